import { type Context, Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { UI_SECURITY_HEADERS } from "./security-headers.ts";
import { loadStaticAssets, type StaticAsset } from "./static-assets.ts";

/** `WEB_UI_PATH` as a prefix ending in "/" ("/" stays "/", "/ui" and "/ui/" become "/ui/"). */
export function uiBasePath(configured: string): string {
  return `${configured.replace(/\/+$/, "")}/`;
}

/**
 * The browser UI: the page at `WEB_UI_PATH` (with and without a trailing slash) and its files under
 * `<WEB_UI_PATH>/assets/`. Nothing is served when `WEB_UI` is false. The files are read here, once, when
 * the app is built (never at import). The page calls the public `/v1/*` API like any other client.
 */
export function webRoutes({ config }: AppDependencies) {
  const routes = new Hono<AppEnv>();
  if (!config.WEB_UI) return routes;

  const base = uiBasePath(config.WEB_UI_PATH);
  const assets = loadStaticAssets(base);
  const send = (c: Context<AppEnv>, asset: StaticAsset) =>
    c.body(asset.body, 200, { ...UI_SECURITY_HEADERS, "content-type": asset.contentType });

  const page = assets.get("index.html");
  if (page == null) throw new Error("gateway/web/static/index.html is missing");
  const pagePaths = base === "/" ? ["/"] : [base, base.slice(0, -1)];
  for (const pagePath of pagePaths) routes.get(pagePath, (c) => send(c, page));

  routes.get(`${base}assets/:name`, (c, next) => {
    const asset = assets.get(c.req.param("name"));
    return asset == null || c.req.param("name") === "index.html" ? next() : send(c, asset);
  });
  return routes;
}
