import { readFile } from "node:fs/promises";
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReceipt, receiptPath } from "../support/fixtures.ts";
import type { RunningGateway } from "../support/gateway-harness.ts";
import { buildReceiptPdf } from "../support/ocr-fixtures.ts";
import { lacks } from "../support/system-tools.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";
import { ARTIFACTS, type BrowserSession, runTask, startBrowserSession } from "./browser-session.ts";

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

let session: BrowserSession;
let emulator: VllmEmulator;
let gateway: RunningGateway;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [session, emulator] = await Promise.all([startBrowserSession(), VllmEmulator.start()]);
  gateway = await session.startGateway({ VLLM_URL: emulator.url });
  context = await session.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await session.openPage(context);
});

afterAll(async () => {
  await session?.browser.close();
  await gateway?.close();
  await emulator?.close();
});

describe.skipIf(lacks("chromium"))("web UI in a real browser (vLLM backend, emulated)", () => {
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
    expect(await page.textContent("#backend-status")).toContain("Model tencent/HunyuanOCR");
    await expect.poll(() => page.textContent("#ready-status")).toBe("vllm ready");
    expect(await page.getAttribute("#ready-status", "data-ready")).toBe("true");
    expect(await page.isVisible("#language-select")).toBe(true);
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

    await page.waitForFunction(() => document.querySelector(".plain-text")?.textContent?.includes("BOOK TA"));
    const partial = (await page.textContent(".plain-text")) ?? "";
    expect(partial).not.toContain("TOTAL 9.00");
    expect(emulator.completedRequests).toBe(0);
    expect(await page.getAttribute("#results", "aria-busy")).toBe("true");

    await expect
      .poll(() => page.textContent("#run-summary"), { timeout: 5000 })
      .toContain("Answered by vllm");
    expect(await page.textContent(".plain-text")).toBe(RECEIPT_LINES.join(""));
    // One text view: the plain text, once (no rendered copy of the same text).
    expect(await page.locator(".page .plain-text").count()).toBe(1);
    expect(await page.locator(".page .markdown").count()).toBe(0);
    expect(await page.locator("#results").textContent()).not.toMatch(/TAN WOON YANN[\s\S]*TAN WOON YANN/);
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

  it("Stop ends a streaming read and the model stops generating", async () => {
    emulator.script({
      tokens: ["TAN WOON YANN\n", ...Array.from({ length: 50 }, () => "more\n")],
      tokenDelayMs: 200,
    });
    await page.setInputFiles("#file-input", receiptPath("000"));
    await runTask(page, "text");
    await page.waitForFunction(() =>
      document.querySelector(".plain-text")?.textContent?.includes("TAN WOON"),
    );
    const aborted = emulator.waitForAbort(5000);
    await page.click("#stop-button");
    await aborted;
    await expect.poll(() => page.textContent("#run-status")).toBe("Stopped.");
    expect(await page.isEnabled("#run-button")).toBe(true);
    expect(await page.isVisible("#error-box")).toBe(false);
    emulator.reset();
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
    // Thin and translucent, so the text under a box stays readable.
    const style = await page
      .locator("#preview .box")
      .first()
      .evaluate((box) => {
        const computed = getComputedStyle(box);
        return { border: computed.borderTopWidth, fill: computed.backgroundColor };
      });
    expect(style.border).toBe("1px");
    expect(Number(/[\d.]+\)$/.exec(style.fill)?.[0].slice(0, -1))).toBeLessThan(0.15);
    await page.screenshot({ path: path.join(ARTIFACTS, "web-ui.png"), fullPage: true });
  });

  it("links a box and its text line both ways on hover", async () => {
    const line = page.locator(".plain-text .line").nth(1);
    expect(await line.textContent()).toBe(SPOTTED[1]?.text);
    await line.hover();
    const box = page.locator("#preview .box").nth(1);
    await expect.poll(() => box.getAttribute("class")).toContain("linked");
    expect(await page.locator(".linked").count()).toBe(2);
    await page.locator("#preview .box").nth(2).hover({ force: true });
    await expect
      .poll(() => page.locator(".plain-text .line").nth(2).getAttribute("class"))
      .toContain("linked");
    expect(await line.getAttribute("class")).not.toContain("linked");
  });

  it("zooms the page image, boxes following it", async () => {
    const image = page.locator("#preview img");
    const fitted = await image.boundingBox();
    expect(await page.isVisible("#zoom-controls")).toBe(true);
    await page.click("[data-zoom=in]");
    await page.click("[data-zoom=in]");
    expect(await page.textContent("#zoom-level")).toBe("200%");
    const zoomed = await image.boundingBox();
    if (fitted == null || zoomed == null) throw new Error("image not laid out");
    expect(zoomed.width).toBeGreaterThan(fitted.width * 1.5);
    const box = await page.locator("#preview .box").first().boundingBox();
    const x1 = SPOTTED[0]?.box[0] ?? 0;
    expect(Math.abs((box?.x ?? 0) - (zoomed.x + (x1 / 1000) * zoomed.width))).toBeLessThan(3);
    await page.click("[data-zoom=fit]");
    expect(await page.textContent("#zoom-level")).toBe("100%");
  });

  it("at 1440×900 shows the text beside the page, above the fold", async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.evaluate(() => window.scrollTo(0, 0));
    const pageColumn = await page.locator(".page-column").boundingBox();
    const text = await page.locator(".page .plain-text").boundingBox();
    if (pageColumn == null || text == null) throw new Error("layout missing");
    expect(text.x).toBeGreaterThanOrEqual(pageColumn.x + pageColumn.width);
    expect(text.y).toBeLessThan(900);
    await page.screenshot({ path: path.join(ARTIFACTS, "web-ui-1440x900.png") });
    await page.setViewportSize({ width: 1280, height: 900 });
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
    // One view (rendered), and nothing of it hidden behind an inner scroll.
    expect(await page.locator(".page .plain-text").count()).toBe(0);
    const clipped = await markdown.evaluate((node) => node.scrollHeight - node.clientHeight);
    expect(clipped).toBeLessThanOrEqual(1);
  });

  it("marks lines read with low confidence, with the value in their title", async () => {
    const tokens = ["TOTAL", " 9.00", "\n", "CA", "SH", " 10.00"];
    const logprobs = [-0.01, -0.01, -0.01, -2.5, -2, -0.01];
    emulator.script({ tokens, logprobs });
    await runTask(page, "text");
    const low = page.locator(".plain-text .low-confidence");
    await expect.poll(() => low.count(), { timeout: 5000 }).toBe(1);
    expect(await low.textContent()).toBe("CASH 10.00");
    expect(await low.getAttribute("title")).toBe("Low confidence: 22%");
    expect(await page.textContent(".plain-text")).toBe("TOTAL 9.00\nCASH 10.00");
    expect(await page.textContent(".page-meta")).toMatch(/confidence \d+%/);
    // Rendered Markdown lists them under the page instead.
    emulator.script({ tokens: ["# Receipt\n\n", ...tokens], logprobs: [-0.01, ...logprobs] });
    await runTask(page, "document");
    const listed = page.locator(".low-confidence-list li");
    await expect.poll(() => listed.count(), { timeout: 5000 }).toBe(1);
    expect(await listed.textContent()).toBe("CASH 10.00 (22%)");
    expect(await page.textContent(".low-confidence-list summary")).toBe(
      "1 line read with low confidence (below 60%)",
    );
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

  it("reads a PDF page by page, drawing its boxes on an outline of each page with its size", async () => {
    const pdf = Buffer.from(await buildReceiptPdf(2));
    emulator.script(
      { tokens: ["Page 1(121,63),(400,100)"], tokenDelayMs: 20 },
      { tokens: ["Page 2(130,63),(420,100)"], tokenDelayMs: 20 },
    );
    await page.setInputFiles("#file-input", {
      name: "receipts.pdf",
      mimeType: "application/pdf",
      buffer: pdf,
    });
    expect(await page.textContent("#preview")).toContain("PDF: receipts.pdf");
    await runTask(page, "spotting");
    await expect.poll(() => page.textContent("#run-summary"), { timeout: 30_000 }).toContain("2 pages");
    const captions = await page.locator(".page-figure figcaption").allTextContents();
    expect(captions).toHaveLength(2);
    expect(captions[0]).toMatch(
      /^PDF page 1: \d+ × \d+ px at \d+ dpi\. PDF pages are not drawn in the browser/,
    );
    expect(await page.locator(".page-frame.placeholder .box").count()).toBe(2);
    expect(await page.locator(".page .box-list").count()).toBe(2);
    expect(await page.locator(".page h3").allTextContents()).toEqual(["Page 1", "Page 2"]);
  });

  it("takes page numbers from 1, as the headings show them, and sends the API's 0-based index", async () => {
    emulator.reset();
    emulator.script({ tokens: ["Second page(130,63),(420,100)"], tokenDelayMs: 20 });
    await page.fill("#pages-input", "2");
    await runTask(page, "spotting");
    await expect.poll(() => page.textContent("#run-summary"), { timeout: 30_000 }).toContain("1 page");
    expect(await page.locator(".page h3").allTextContents()).toEqual(["Page 2"]);
    expect(await page.locator(".page-figure figcaption").textContent()).toMatch(/^PDF page 2:/);
    expect(emulator.completedRequests).toBe(1);

    await page.fill("#pages-input", "0");
    await page.click("#run-button");
    const alert = page.getByRole("alert").filter({ hasText: "Pages:" });
    await alert.waitFor({ timeout: 5000 });
    expect(await alert.textContent()).toContain('"0" is not a page number from 1');
    expect(emulator.completedRequests).toBe(1);
    await page.fill("#pages-input", "");
    emulator.reset();
  });

  it("takes a file dropped on the page or pasted", async () => {
    for (const kind of ["drop", "paste"] as const) {
      await page.evaluate((eventKind) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(["not read"], `${eventKind}ped.png`, { type: "image/png" }));
        const event =
          eventKind === "drop"
            ? new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true })
            : new ClipboardEvent("paste", { clipboardData: transfer, bubbles: true, cancelable: true });
        document.getElementById("drop-zone")?.dispatchEvent(event);
      }, kind);
      await expect.poll(() => page.textContent("#drop-label")).toContain(`${kind}ped.png`);
    }
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

  it("is a single column on a phone, and brings the result into view when a read starts", async () => {
    const phone = await session.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const small = await session.openPage(phone);
    await small.goto(`${gateway.url}/`);
    const controls = await small.locator(".controls").boundingBox();
    const results = await small.locator(".results").boundingBox();
    if (controls == null || results == null) throw new Error("layout missing");
    expect(results.y).toBeGreaterThanOrEqual(controls.y + controls.height);
    expect(controls.width).toBeLessThanOrEqual(390);

    emulator.script({
      tokens: SPOTTED.map(({ text, box }) => `${text}(${box[0]},${box[1]}),(${box[2]},${box[3]})`),
    });
    await expect.poll(() => small.locator("#task-select option").count()).toBeGreaterThan(5);
    await small.setInputFiles("#file-input", receiptPath("000"));
    await runTask(small, "spotting");
    await expect.poll(() => small.textContent("#run-summary"), { timeout: 5000 }).toContain("1 page");
    await expect
      .poll(() =>
        small.evaluate(() => document.getElementById("results")?.getBoundingClientRect().top ?? 999),
      )
      .toBeLessThan(100);
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await small.screenshot({ path: path.join(ARTIFACTS, "web-ui-phone.png") });
    await small.screenshot({ path: path.join(ARTIFACTS, "web-ui-phone-full.png"), fullPage: true });
    await phone.close();
  });
});

describe.skipIf(lacks("chromium"))("web UI network and console", () => {
  it("made no request to any host but the gateway, and the CSP blocked nothing", () => {
    expect(session.requestedUrls.length).toBeGreaterThan(20);
    expect(session.foreignRequests()).toEqual([]);
    expect(session.consoleProblems).toEqual([]);
  });
});
