import { Hono } from "hono";
import { NotFoundError } from "../errors.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { gatewayVersion } from "../version.ts";
import { buildOpenApiDocument } from "./build-openapi.ts";
import { assetLoader, DOCS_CSP, DOCS_HTML } from "./docs-page.ts";

/**
 * `GET /openapi.json` (the OpenAPI 3.1 document, built once) and `GET /docs`, an interactive reference
 * (Swagger UI served from the installed package, no CDN). Neither needs credentials: they describe the API,
 * they do not use it.
 */
export function openApiRoutes({ config, authenticator, jobs }: AppDependencies) {
  const document = buildOpenApiDocument({
    version: gatewayVersion(),
    authRequired: !authenticator.open,
    metricsTokenRequired: config.METRICS_TOKEN != null,
    mcpEnabled: config.MCP_ENABLED,
    rateLimited: config.RATE_LIMIT_PER_MINUTE > 0,
    jobsEnabled: jobs !== undefined,
  });
  const loadAsset = assetLoader();

  return new Hono<AppEnv>()
    .get("/openapi.json", (c) => c.json(document))
    .get("/docs", (c) =>
      c.html(DOCS_HTML, 200, {
        "content-security-policy": DOCS_CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      }),
    )
    .get("/docs/assets/:name", async (c) => {
      const asset = await loadAsset(c.req.param("name"));
      if (asset === undefined)
        throw new NotFoundError("route_not_found", `No docs asset ${c.req.param("name")}.`);
      return c.body(asset.body, 200, {
        "content-type": asset.contentType,
        "cache-control": "public, max-age=3600",
        "x-content-type-options": "nosniff",
      });
    });
}
