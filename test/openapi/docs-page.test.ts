import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useOcrGateway } from "../support/ocr-fixtures.ts";
import { lacks } from "../support/system-tools.ts";
import { launchChromium } from "../web/launch-chromium.ts";

const bed = useOcrGateway();

describe("GET /docs", () => {
  it("serves an HTML page under a strict CSP that loads its assets from the gateway only", async () => {
    const response = await fetch(`${bed.gateway.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    const html = await response.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? "");
    expect(assets.sort()).toEqual([
      "docs/assets/docs-init.js",
      "docs/assets/favicon-32x32.png",
      "docs/assets/swagger-ui-bundle.js",
      "docs/assets/swagger-ui.css",
    ]);
    expect(html).not.toMatch(/<script>[^<]/);
  });

  it.each([
    ["swagger-ui.css", /^text\/css/],
    ["swagger-ui-bundle.js", /^text\/javascript/],
    ["docs-init.js", /^text\/javascript/],
    ["favicon-32x32.png", /^image\/png/],
  ])("serves %s with its content type", async (name, type) => {
    const response = await fetch(`${bed.gateway.url}/docs/assets/${name}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(type);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it("answers an unknown asset with the 404 envelope (no file system access by name)", async () => {
    for (const name of ["package.json", "..%2Fpackage.json", "index.html"]) {
      const response = await fetch(`${bed.gateway.url}/docs/assets/${name}`);
      expect(response.status).toBe(404);
    }
  });
});

describe.skipIf(lacks("chromium"))("the reference page in a browser", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 30_000);
  afterAll(() => browser?.close());

  it("renders every operation from /openapi.json with no CSP violation and no request off the gateway", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    page.on("request", (request) => {
      if (!request.url().startsWith(bed.gateway.url) && !request.url().startsWith("data:")) {
        foreign.push(request.url());
      }
    });
    await page.goto(`${bed.gateway.url}/docs`);
    await page.locator(".opblock-summary-path", { hasText: "/v1/ocr" }).first().waitFor({ timeout: 15_000 });
    const paths = await page.locator(".opblock-summary-path").allTextContents();
    expect(paths).toEqual(
      expect.arrayContaining(["/v1/chat/completions", "/v1/ocr", "/v1/models/{id}", "/mcp", "/health"]),
    );
    expect(await page.locator(".info .title").textContent()).toContain("HunyuanOCR gateway");
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await page.close();
  }, 30_000);
});
