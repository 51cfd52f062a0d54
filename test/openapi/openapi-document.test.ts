import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../gateway/app.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

type OpenApiDocument = {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[] }>>;
  components: { securitySchemes: Record<string, unknown> };
};

let emulator: VllmEmulator;
beforeAll(async () => {
  emulator = await VllmEmulator.start();
});
afterAll(() => emulator.close());

/** A gateway on the emulator with `env` added; closed after the describe block. */
function useGateway(env: Record<string, string>): { gateway: RunningGateway } {
  const holder = {} as { gateway: RunningGateway };
  beforeAll(async () => {
    holder.gateway = await startGateway({ VLLM_URL: emulator.url, UPSTREAM_HEALTH_INTERVAL_MS: "0", ...env });
  });
  afterAll(() => holder.gateway.close());
  return holder;
}

async function fetchDocument(gateway: RunningGateway): Promise<OpenApiDocument> {
  const response = await fetch(`${gateway.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return (await response.json()) as OpenApiDocument;
}

/** Hono's route pattern as an OpenAPI path: `/v1/models/:id{.+}` → `/v1/models/{id}`. */
function toOpenApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)(\{[^}]*\})?/g, "{$1}");
}

describe("with API keys and the web UI off", () => {
  const bed = useGateway({ API_KEYS: "sk-doc", WEB_UI: "false" });

  it("is a valid OpenAPI 3.1 document whose $refs all resolve", async () => {
    const document = await fetchDocument(bed.gateway);
    expect(document.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    expect(() => validator.resolveRefs()).not.toThrow();
    expect(JSON.stringify(validator.resolveRefs())).not.toContain('"$ref":"#/components/');
  });

  it("describes exactly the routes the app serves (except the reference page's static assets)", async () => {
    const document = await fetchDocument(bed.gateway);
    const served = createApp(bed.gateway.deps)
      .routes.filter((route) => route.method !== "ALL" && !route.path.startsWith("/docs/assets/"))
      .map((route) => `${route.method} ${toOpenApiPath(route.path)}`);
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect([...new Set(documented)].sort()).toEqual([...new Set(served)].sort());
  });

  it("requires bearer or x-api-key credentials on /v1 and /mcp, and not on /health or the reference", async () => {
    const document = await fetchDocument(bed.gateway);
    expect(Object.keys(document.components.securitySchemes)).toEqual(
      expect.arrayContaining(["bearerAuth", "apiKeyHeader"]),
    );
    const credentials = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
    expect(document.paths["/v1/ocr"]?.post?.security).toEqual(credentials);
    expect(document.paths["/v1/models/{id}"]?.get?.security).toEqual(credentials);
    expect(document.paths["/mcp"]?.post?.security).toEqual(credentials);
    expect(document.paths["/health"]?.get?.security).toBeUndefined();
    // And the gateway agrees: /openapi.json answered without a key, /v1/models does not.
    expect((await fetch(`${bed.gateway.url}/v1/models`)).status).toBe(401);
  });
});

describe("with auth off and MCP disabled", () => {
  const bed = useGateway({ MCP_ENABLED: "false", WEB_UI: "false" });

  it("has no security requirements and no /mcp path", async () => {
    const document = await fetchDocument(bed.gateway);
    expect(document.paths["/v1/ocr"]?.post?.security).toBeUndefined();
    expect(document.paths["/mcp"]).toBeUndefined();
    const served = createApp(bed.gateway.deps).routes.map((route) => route.path);
    expect(served).not.toContain("/mcp");
  });
});
