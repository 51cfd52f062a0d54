import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../gateway/app.ts";
import { loadConfig } from "../../gateway/config/load-config.ts";
import { uiBasePath } from "../../gateway/web/web-routes.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

let emulator: VllmEmulator;
let gateway: RunningGateway;

/** The gateway's app with these UI settings (the rest of its dependencies as started). */
function appWith(env: Record<string, string>) {
  return createApp({ ...gateway.deps, config: loadConfig({ VLLM_URL: emulator.url, ...env }) });
}

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  gateway = await startGateway({ VLLM_URL: emulator.url, LOG_LEVEL: "silent" });
});

afterAll(async () => {
  await gateway?.close();
  await emulator?.close();
});

describe("web UI routes", () => {
  it("serves the page and its assets with their content types, a strict CSP and nosniff", async () => {
    const app = appWith({});
    const cases: Array<[string, string]> = [
      ["/", "text/html; charset=utf-8"],
      ["/assets/app.js", "text/javascript; charset=utf-8"],
      ["/assets/sse-parser.js", "text/javascript; charset=utf-8"],
      ["/assets/app.css", "text/css; charset=utf-8"],
      ["/assets/icon.svg", "image/svg+xml"],
    ];
    for (const [path, type] of cases) {
      const response = await app.request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toBe(type);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(response.headers.get("x-request-id")).toBeTruthy();
    }
  });

  it("the page has no inline script or style and links its assets under the UI path", async () => {
    const html = await (await appWith({ WEB_UI_PATH: "/ocr/ui/" }).request("/ocr/ui/")).text();
    expect(html).toContain('<script type="module" src="/ocr/ui/assets/app.js"></script>');
    expect(html).toContain('href="/ocr/ui/assets/app.css"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toContain("%BASE%");
  });

  it("answers 404 in the API's error shape for unknown assets, the template and other files", async () => {
    const app = appWith({});
    for (const path of [
      "/assets/nope.js",
      "/assets/index.html",
      "/assets/tsconfig.json",
      "/assets/..%2Fweb-routes.ts",
    ]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("route_not_found");
    }
  });

  it("WEB_UI_PATH moves the page (with or without the trailing slash) and frees /", async () => {
    const app = appWith({ WEB_UI_PATH: "/ui" });
    expect((await app.request("/ui")).status).toBe(200);
    expect((await app.request("/ui/")).status).toBe(200);
    expect((await app.request("/ui/assets/app.js")).status).toBe(200);
    expect((await app.request("/")).status).toBe(404);
    expect((await app.request("/assets/app.js")).status).toBe(404);
  });

  it("WEB_UI=false serves none of it, and the API still answers", async () => {
    const app = appWith({ WEB_UI: "false" });
    expect((await app.request("/")).status).toBe(404);
    expect((await app.request("/assets/app.js")).status).toBe(404);
    expect((await app.request("/v1/tasks")).status).toBe(200);
  });

  it("the page needs no API key even when the API does", async () => {
    const secured = await startGateway({
      VLLM_URL: emulator.url,
      LOG_LEVEL: "silent",
      API_KEYS: "secret-key",
    });
    try {
      expect((await fetch(`${secured.url}/`)).status).toBe(200);
      expect((await fetch(`${secured.url}/assets/app.js`)).status).toBe(200);
      expect((await fetch(`${secured.url}/v1/tasks`)).status).toBe(401);
    } finally {
      await secured.close();
    }
  });
});

describe("uiBasePath", () => {
  it("ends the configured path with exactly one slash", () => {
    expect(uiBasePath("/")).toBe("/");
    expect(uiBasePath("/ui")).toBe("/ui/");
    expect(uiBasePath("/ui//")).toBe("/ui/");
  });
});
