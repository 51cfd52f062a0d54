import { describe, expect, it } from "vitest";
import { allowedMethodsOf } from "../../gateway/http/allowed-methods.ts";
import { useOcrGateway } from "../support/ocr-fixtures.ts";

describe("allowedMethodsOf", () => {
  it("lists the methods of the routes matching a path, HEAD with GET, and ignores middleware", () => {
    const allowed = allowedMethodsOf([
      { method: "ALL", path: "/v1/*" },
      { method: "POST", path: "/v1/ocr" },
      { method: "GET", path: "/v1/models/:id{.+}" },
      { method: "GET", path: "/mcp" },
      { method: "DELETE", path: "/mcp" },
    ]);
    expect(allowed("/v1/ocr")).toEqual(["POST"]);
    expect(allowed("/v1/models/tencent/HunyuanOCR")).toEqual(["GET", "HEAD"]);
    expect(allowed("/mcp")).toEqual(["DELETE", "GET", "HEAD"]);
    expect(allowed("/v1/nothing")).toEqual([]);
  });
});

describe("a wrong method on a known path", () => {
  const bed = useOcrGateway({ UPSTREAM_HEALTH_INTERVAL_MS: "0", LOG_LEVEL: "silent" });

  it("answers 405 with Allow and the error envelope; an unknown path stays 404", async () => {
    const response = await fetch(`${bed.gateway.url}/v1/ocr`, { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(await response.json()).toEqual({
      error: {
        message: "GET is not allowed on /v1/ocr; use POST.",
        type: "invalid_request_error",
        param: null,
        code: "method_not_allowed",
      },
    });
    const models = await fetch(`${bed.gateway.url}/v1/models/hunyuan-ocr`, { method: "POST" });
    expect(models.status).toBe(405);
    expect(models.headers.get("allow")).toBe("GET, HEAD");
    // A route of the same method that declines (an unknown asset) is a 404, not a 405.
    expect((await fetch(`${bed.gateway.url}/assets/nope.js`)).status).toBe(404);
    const unknown = await fetch(`${bed.gateway.url}/v1/nothing`, { method: "POST" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("route_not_found");
  });
});
