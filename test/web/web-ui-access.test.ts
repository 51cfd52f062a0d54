import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiptPath } from "../support/fixtures.ts";
import type { RunningGateway } from "../support/gateway-harness.ts";
import { lacks } from "../support/system-tools.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";
import { ARTIFACTS, type BrowserSession, runTask, startBrowserSession } from "./browser-session.ts";

let session: BrowserSession;
let emulator: VllmEmulator;
/** A gateway on the embedded CPU engine (started with the browser: loading its models takes seconds). */
let embedded: RunningGateway;

beforeAll(async () => {
  [session, emulator] = await Promise.all([startBrowserSession(), VllmEmulator.start()]);
  embedded = await session.startGateway({});
});

afterAll(async () => {
  await session?.browser.close();
  await embedded?.close();
  await emulator?.close();
});

describe.skipIf(lacks("chromium"))("web UI with API keys", () => {
  let secured: RunningGateway;
  beforeAll(async () => {
    secured = await session.startGateway({ VLLM_URL: emulator.url, API_KEYS: "ui-test-key" });
  });
  afterAll(() => secured?.close());

  it("asks for a key on 401, says when it is wrong, and works once it is right", async () => {
    const keyed = await session.browser.newContext();
    const target = await session.openPage(keyed);
    await target.goto(`${secured.url}/`);
    const panel = target.locator("#key-panel");
    await panel.waitFor({ state: "visible" });
    expect(await target.textContent("#key-reason")).toContain("needs an API key");
    expect(await target.evaluate(() => document.activeElement?.id)).toBe("key-input");

    await target.fill("#key-input", "wrong-key");
    await target.keyboard.press("Enter");
    await expect.poll(() => target.textContent("#key-reason")).toContain("rejected");

    await target.fill("#key-input", "ui-test-key");
    await target.click("#key-form button[type=submit]");
    await expect.poll(() => target.locator("#task-select option").count()).toBeGreaterThan(5);
    expect(await panel.isVisible()).toBe(false);
    expect(await target.evaluate(() => sessionStorage.getItem("ocr-gateway.api-key"))).toBe("ui-test-key");

    emulator.script({ text: "TOTAL 9.00" });
    await target.setInputFiles("#file-input", receiptPath("000"));
    await runTask(target, "text");
    await expect
      .poll(() => target.textContent("#run-summary"), { timeout: 5000 })
      .toContain("Answered by vllm");
    expect(await target.textContent(".plain-text")).toBe("TOTAL 9.00");
    await keyed.close();
  });
});

describe.skipIf(lacks("chromium"))("web UI with the embedded engine", () => {
  it("names the engine, offers only the tasks it runs, hides what it ignores and draws its boxes", async () => {
    const target = await session.openPage(
      await session.browser.newContext({ viewport: { width: 1440, height: 900 } }),
    );
    await target.goto(`${embedded.url}/`);
    await expect.poll(() => target.textContent("#backend-status")).toContain("backend embedded");
    expect(await target.textContent("#backend-status")).toContain("Model embedded:ppocr-v4");
    expect(await target.textContent("#backend-status")).not.toContain("HunyuanOCR");
    await expect.poll(() => target.textContent("#ready-status")).toBe("embedded ready");
    expect(await target.locator("#task-select option[value=fields]").isDisabled()).toBe(true);
    expect(await target.locator("#task-select option[value=document]").isDisabled()).toBe(false);
    expect(await target.locator("#task-select option[value=spotting]").isDisabled()).toBe(false);
    expect(await target.isVisible("#language-select")).toBe(false);
    // The engine's document layout ignores `table_format`: no control for it.
    await target.selectOption("#task-select", "document");
    expect(await target.locator("[data-variable=table_format]").count()).toBe(0);

    await target.setInputFiles("#file-input", receiptPath("000"));
    await runTask(target, "spotting");
    await expect
      .poll(() => target.textContent("#run-summary"), { timeout: 90_000 })
      .toContain("Answered by embedded");
    const boxes = await target.locator("#preview .box").count();
    expect(boxes).toBeGreaterThan(20);
    expect(await target.textContent(".plain-text")).toMatch(/TOTAL|Total/);
    expect(await target.locator(".plain-text .line").count()).toBe(boxes);
    await target.screenshot({ path: path.join(ARTIFACTS, "web-ui-embedded-1440x900.png") });
    await target.setViewportSize({ width: 390, height: 844 });
    await target.screenshot({ path: path.join(ARTIFACTS, "web-ui-embedded-phone.png") });
    await target.close();
  }, 120_000);
});

describe.skipIf(lacks("chromium"))("web UI settings", () => {
  it("WEB_UI=false serves nothing at /, WEB_UI_PATH=/ui moves the page and its assets", async () => {
    const [off, moved] = await Promise.all([
      session.startGateway({ VLLM_URL: emulator.url, WEB_UI: "false" }),
      session.startGateway({ VLLM_URL: emulator.url, WEB_UI_PATH: "/ui" }),
    ]);
    try {
      expect((await fetch(`${off.url}/`)).status).toBe(404);
      expect((await fetch(`${off.url}/assets/app.js`)).status).toBe(404);
      expect((await fetch(`${moved.url}/`)).status).toBe(404);

      const target = await session.openPage(await session.browser.newContext());
      const response = await target.goto(`${moved.url}/ui`);
      expect(response?.status()).toBe(200);
      await expect.poll(() => target.locator("#task-select option").count()).toBeGreaterThan(5);
      const origin = new URL(moved.url).origin;
      const assets = session.requestedUrls.filter(
        (url) => url.startsWith(`${origin}/`) && url.includes("/assets/"),
      );
      expect(assets.length).toBeGreaterThan(0);
      expect(assets.every((url) => url.startsWith(`${origin}/ui/assets/`))).toBe(true);
      await target.close();
    } finally {
      await Promise.all([off.close(), moved.close()]);
    }
  });
});

describe.skipIf(lacks("chromium"))("network and console", () => {
  it("made no request to any host but the gateways, and the CSP blocked nothing", () => {
    expect(session.requestedUrls.length).toBeGreaterThan(10);
    expect(session.foreignRequests()).toEqual([]);
    expect(session.consoleProblems).toEqual([]);
  });
});
