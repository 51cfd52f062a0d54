import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReceipt, receiptPath } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";
import { launchChromium } from "./launch-chromium.ts";

const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");
const RECEIPT_LINES = [
  "TAN WOON YANN\n",
  "BOOK TA .K(TAMAN DAYA) SDN BND\n",
  "789417-W\n",
  "NO.53 55,57 & 59, JALAN SAGU 18,\n",
  "TAMAN DAYA,\n",
  "TOTAL 9.00",
];
// Receipt 000 (463 × 1013 px): its first boxes from 000.boxes.csv, in the model's 0–1000 coordinates.
const SPOTTED = [
  { text: "TAN WOON YANN", box: [156, 25, 704, 63] },
  { text: "BOOK TA .K(TAMAN DAYA) SDN BND", box: [108, 81, 950, 119] },
  { text: "789417-W", box: [443, 119, 616, 137] },
];

let browser: Browser;
let emulator: VllmEmulator;
let gateway: RunningGateway;
let context: BrowserContext;
let page: Page;
const requestedUrls: string[] = [];
/** Origins of every gateway the tests started: the only hosts the page may talk to. */
const gatewayOrigins = new Set<string>();

async function startUiGateway(env: Record<string, string>): Promise<RunningGateway> {
  const started = await startGateway({ LOG_LEVEL: "silent", ...env });
  gatewayOrigins.add(new URL(started.url).origin);
  return started;
}
const consoleProblems: string[] = [];

/** A fresh page whose requests and console errors are recorded. */
async function openPage(target: BrowserContext): Promise<Page> {
  const opened = await target.newPage();
  opened.on("request", (request) => requestedUrls.push(request.url()));
  opened.on("pageerror", (error) => consoleProblems.push(`page error: ${error.message}`));
  opened.on("console", (message) => {
    // Chrome logs every 4xx fetch as "Failed to load resource"; the tests provoke 400 and 401 on purpose.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      consoleProblems.push(message.text());
    }
  });
  return opened;
}

async function runTask(target: Page, task: string, fill: (page: Page) => Promise<void> = async () => {}) {
  await target.selectOption("#task-select", task);
  await fill(target);
  await target.click("#run-button");
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  [browser, emulator] = await Promise.all([launchChromium(), VllmEmulator.start()]);
  gateway = await startUiGateway({ VLLM_URL: emulator.url });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await openPage(context);
});

afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  await emulator?.close();
});

describe("web UI in a real browser (vLLM backend, emulated)", () => {
  it("serves the page with a strict CSP and lists the tasks and the backend", async () => {
    const response = await page.goto(`${gateway.url}/`);
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers["content-security-policy"]).toContain("default-src 'self'");
    expect(headers["content-security-policy"]).toContain("script-src 'self'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    await expect.poll(() => page.locator("#task-select option").count()).toBeGreaterThan(5);
    expect(await page.inputValue("#task-select")).toBe("text");
    await expect.poll(() => page.textContent("#backend-status")).toContain("backend vllm");
  });

  it("every control has a label and the drop zone opens the file picker from the keyboard", async () => {
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, select, textarea, button")]
        .filter((control) => {
          const labelled = control as HTMLInputElement;
          const named = (labelled.labels?.length ?? 0) > 0 || control.getAttribute("aria-label");
          return !named && !(control instanceof HTMLButtonElement && control.textContent?.trim());
        })
        .map((control) => control.id),
    );
    expect(unlabelled).toEqual([]);
    const chooser = page.waitForEvent("filechooser", { timeout: 5000 });
    // Let Playwright's file chooser interception reach the browser before the key press opens a chooser.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
    await page.focus("#drop-zone");
    await page.keyboard.press("Enter");
    await (await chooser).setFiles(receiptPath("000"));
    await expect.poll(() => page.textContent("#drop-label")).toContain("000.jpg");
  });

  it("streams the text task: the first lines are shown while the model is still generating", async () => {
    emulator.script({ tokens: RECEIPT_LINES, tokenDelayMs: 150 });
    await page.setInputFiles("#file-input", receiptPath("000"));
    await runTask(page, "text");

    await page.waitForFunction(() => document.querySelector(".raw-text")?.textContent?.includes("BOOK TA"));
    const partial = (await page.textContent(".raw-text")) ?? "";
    expect(partial).not.toContain("TOTAL 9.00");
    expect(emulator.completedRequests).toBe(0);
    expect(await page.getAttribute("#results", "aria-busy")).toBe("true");
    await expect.poll(() => page.textContent(".markdown")).toContain("TAN WOON YANN");

    await expect
      .poll(() => page.textContent("#run-summary"), { timeout: 5000 })
      .toContain("Answered by vllm");
    expect(await page.textContent(".raw-text")).toBe(RECEIPT_LINES.join(""));
    expect(await page.textContent("#run-summary")).toMatch(
      /in \d+\.\d\d s · first text after \d+\.\d\d s · 1 page/,
    );
    expect(await page.isVisible("#copy-json")).toBe(true);
    expect(emulator.completedRequests).toBe(1);
  });

  it("copies and downloads the whole result as JSON", async () => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gateway.url });
    await page.click("#copy-json");
    await expect.poll(() => page.textContent("#run-status")).toContain("copied");
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
    expect(copied).toMatchObject({ task: "text", backend: "vllm", text: RECEIPT_LINES.join("") });

    const download = page.waitForEvent("download");
    await page.click("#download-json");
    const file = await download;
    expect(file.suggestedFilename()).toBe("000.ocr.json");
    const saved = path.join(ARTIFACTS, "web-ui-download.json");
    await file.saveAs(saved);
    expect(JSON.parse(await readFile(saved, "utf8"))).toEqual(copied);
  });

  it("draws spotting boxes over the image where the model placed them", async () => {
    emulator.script({
      tokens: SPOTTED.map(({ text, box }) => `${text}(${box[0]},${box[1]}),(${box[2]},${box[3]})`),
      tokenDelayMs: 20,
    });
    await runTask(page, "spotting");
    await expect.poll(() => page.locator("#preview .box").count(), { timeout: 5000 }).toBe(SPOTTED.length);

    const image = await page.locator("#preview img").boundingBox();
    expect(image?.width).toBeGreaterThan(100);
    for (const [index, { text, box }] of SPOTTED.entries()) {
      const drawn = page.locator("#preview .box").nth(index);
      expect(await drawn.getAttribute("data-text")).toBe(text);
      const rect = await drawn.boundingBox();
      if (image == null || rect == null) throw new Error("box or image not laid out");
      const [x1, y1, x2, y2] = box.map((value) => value / 1000) as [number, number, number, number];
      expect(Math.abs(rect.x - (image.x + x1 * image.width))).toBeLessThan(3);
      expect(Math.abs(rect.y - (image.y + y1 * image.height))).toBeLessThan(3);
      expect(Math.abs(rect.width - (x2 - x1) * image.width)).toBeLessThan(4);
      expect(Math.abs(rect.height - (y2 - y1) * image.height)).toBeLessThan(4);
    }
    expect(await page.locator(".box-list").count()).toBe(1);
    expect(await page.textContent(".box-list summary")).toContain("3 text boxes");
    await page.screenshot({ path: path.join(ARTIFACTS, "web-ui.png"), fullPage: true });
  });

  it("renders document Markdown with the model's table but none of its other HTML", async () => {
    emulator.script({
      tokens: [
        "# Receipt\n\n",
        "<table><tr><th>Item</th><th>Price</th></tr>",
        '<tr><td onclick="window.pwned=1">Tea</td><td>9.00</td></tr></table>\n\n',
        '<img src="x" onerror="window.pwned=1"> **Thank you**',
      ],
    });
    await runTask(page, "document");
    await expect
      .poll(() => page.textContent("#run-summary"), { timeout: 5000 })
      .toContain("Answered by vllm");
    const markdown = page.locator(".page .markdown");
    expect(await markdown.locator("h3").textContent()).toBe("Receipt");
    expect(await markdown.locator("table td").allTextContents()).toEqual(["Tea", "9.00"]);
    expect(await markdown.locator("img, [onclick], [onerror]").count()).toBe(0);
    expect(await markdown.locator("strong").textContent()).toBe("Thank you");
    expect(await page.evaluate(() => "pwned" in window)).toBe(false);
  });

  it("shows extracted fields as a table", async () => {
    emulator.script({ text: '{"company": "BOOK TA .K(TAMAN DAYA) SDN BND", "total": "9.00"}' });
    await runTask(page, "fields", (target) => target.fill("#variable-fields", "company, total"));
    await expect.poll(() => page.locator(".fields-table tr").count(), { timeout: 5000 }).toBe(2);
    expect(await page.locator(".fields-table th").allTextContents()).toEqual(["company", "total"]);
    expect(await page.locator(".fields-table td").allTextContents()).toEqual([
      "BOOK TA .K(TAMAN DAYA) SDN BND",
      "9.00",
    ]);
  });

  it("shows the server's error message and code for a corrupt file", async () => {
    const receipt = readReceipt("000");
    const truncated = receipt.subarray(0, Math.floor(receipt.length / 2));
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(truncated)], { type: "image/jpeg" }), "cut.jpg");
    const direct = (await (await fetch(`${gateway.url}/v1/ocr`, { method: "POST", body: form })).json()) as {
      error: { message: string; code: string };
    };
    expect(direct.error.code).toBe("invalid_image");

    await page.setInputFiles("#file-input", { name: "cut.jpg", mimeType: "image/jpeg", buffer: truncated });
    const alert = page.getByRole("alert").filter({ hasText: "code: invalid_image" });
    await runTask(page, "text");
    await alert.waitFor({ timeout: 5000 });
    expect(await alert.textContent()).toContain(direct.error.message);
    expect(await alert.textContent()).toContain("reported in the stream");

    await page.uncheck("#stream-toggle");
    await page.click("#run-button");
    await alert.filter({ hasText: "HTTP 400" }).waitFor({ timeout: 5000 });
    expect(await alert.textContent()).toContain(direct.error.message);
    await page.check("#stream-toggle");
  });

  it("is a single column on a phone", async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const small = await openPage(phone);
    await small.goto(`${gateway.url}/`);
    const controls = await small.locator(".controls").boundingBox();
    const results = await small.locator(".results").boundingBox();
    if (controls == null || results == null) throw new Error("layout missing");
    expect(results.y).toBeGreaterThanOrEqual(controls.y + controls.height);
    expect(controls.width).toBeLessThanOrEqual(390);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await small.screenshot({ path: path.join(ARTIFACTS, "web-ui-phone.png"), fullPage: true });
    await phone.close();
  });
});

describe("web UI with API keys", () => {
  let secured: RunningGateway;
  beforeAll(async () => {
    secured = await startUiGateway({ VLLM_URL: emulator.url, API_KEYS: "ui-test-key" });
  });
  afterAll(() => secured?.close());

  it("asks for a key on 401, says when it is wrong, and works once it is right", async () => {
    const keyed = await browser.newContext();
    const target = await openPage(keyed);
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
    expect(await target.textContent(".raw-text")).toBe("TOTAL 9.00");
    await keyed.close();
  });
});

describe("web UI with the embedded engine", () => {
  it("offers only the tasks the engine runs and draws its boxes over the receipt", async () => {
    const embedded = await startUiGateway({});
    try {
      const target = await openPage(context);
      await target.goto(`${embedded.url}/`);
      await expect.poll(() => target.textContent("#backend-status")).toContain("backend embedded");
      expect(await target.locator("#task-select option[value=document]").isDisabled()).toBe(true);
      expect(await target.locator("#task-select option[value=spotting]").isDisabled()).toBe(false);

      await target.setInputFiles("#file-input", receiptPath("000"));
      await runTask(target, "spotting");
      await expect
        .poll(() => target.textContent("#run-summary"), { timeout: 20_000 })
        .toContain("Answered by embedded");
      const boxes = await target.locator("#preview .box").count();
      expect(boxes).toBeGreaterThan(20);
      expect(await target.textContent(".raw-text")).toMatch(/TOTAL|Total/);
      await target.screenshot({ path: path.join(ARTIFACTS, "web-ui-embedded.png"), fullPage: true });
      await target.close();
    } finally {
      await embedded.close();
    }
  });
});

describe("web UI settings", () => {
  it("WEB_UI=false serves nothing at /, WEB_UI_PATH=/ui moves the page and its assets", async () => {
    const [off, moved] = await Promise.all([
      startUiGateway({ VLLM_URL: emulator.url, WEB_UI: "false" }),
      startUiGateway({ VLLM_URL: emulator.url, WEB_UI_PATH: "/ui" }),
    ]);
    try {
      expect((await fetch(`${off.url}/`)).status).toBe(404);
      expect((await fetch(`${off.url}/assets/app.js`)).status).toBe(404);
      expect((await fetch(`${moved.url}/`)).status).toBe(404);

      const target = await openPage(context);
      const response = await target.goto(`${moved.url}/ui`);
      expect(response?.status()).toBe(200);
      await expect.poll(() => target.locator("#task-select option").count()).toBeGreaterThan(5);
      const origin = new URL(moved.url).origin;
      const assets = requestedUrls.filter((url) => url.startsWith(`${origin}/`) && url.includes("/assets/"));
      expect(assets.length).toBeGreaterThan(0);
      expect(assets.every((url) => url.startsWith(`${origin}/ui/assets/`))).toBe(true);
      await target.close();
    } finally {
      await Promise.all([off.close(), moved.close()]);
    }
  });
});

describe("web UI network and console", () => {
  it("made no request to any host but the gateway, and the CSP blocked nothing", () => {
    const elsewhere = requestedUrls.filter(
      (url) => !url.startsWith("blob:") && !gatewayOrigins.has(new URL(url).origin),
    );
    expect(requestedUrls.length).toBeGreaterThan(20);
    expect(elsewhere).toEqual([]);
    expect(consoleProblems).toEqual([]);
  });
});
