import { Mistral } from "@mistralai/mistralai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReceipt, receiptDataUrl } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { buildTwoColumnPdf } from "../support/two-column-pdf.ts";

let gateway: RunningGateway;
let twoColumnPdf: Uint8Array;

beforeAll(async () => {
  // No VLLM_URL: the embedded CPU engine serves.
  gateway = await startGateway({ EMBEDDED_MAX_QUEUE: "16" });
  twoColumnPdf = await buildTwoColumnPdf();
}, 60_000);

afterAll(async () => {
  await gateway.close();
});

interface TextLine {
  text: string;
  confidence: number;
  box?: { x1: number; y1: number; x2: number; y2: number };
}

interface OcrAnswer {
  backend: string;
  task: string;
  text: string;
  pages: Array<{
    markdown: string;
    text: string;
    dimensions: { width: number; height: number };
    text_lines?: TextLine[];
    confidence?: number;
  }>;
}

function postJson(body: unknown): Promise<Response> {
  return fetch(`${gateway.url}/v1/ocr`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

function pdfDocument(bytes: Uint8Array) {
  return {
    type: "document_url",
    document_url: `data:application/pdf;base64,${Buffer.from(bytes).toString("base64")}`,
  };
}

function expectScoredLines(lines: TextLine[] | undefined, size: { width: number; height: number }): void {
  expect(lines?.length).toBeGreaterThan(0);
  for (const line of lines ?? []) {
    expect(line.confidence).toBeGreaterThan(0);
    expect(line.confidence).toBeLessThanOrEqual(1);
    expect(line.box?.x2).toBeLessThanOrEqual(size.width);
    expect(line.box?.y2).toBeLessThanOrEqual(size.height);
  }
}

describe("the document task on the embedded engine", () => {
  it("lays a two-column PDF page out as Markdown: title heading, left column, then right", async () => {
    const response = await postJson({ document: pdfDocument(twoColumnPdf), task: "document" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as OcrAnswer;
    expect(body).toMatchObject({ backend: "embedded", task: "document" });
    const page = body.pages[0];
    const markdown = page?.markdown ?? "";
    expect(markdown).toMatch(/^# Harvest Report\n\n/);
    const starts = ["Apples", "Barley", "Cherries", "Damsons"].map((word) => markdown.indexOf(word));
    expect(starts.every((start) => start > 0)).toBe(true);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    // One paragraph per block: the title and four paragraphs, each prose paragraph on one line.
    const blocks = markdown.split("\n\n");
    expect(blocks).toHaveLength(5);
    expect(blocks.slice(1).every((block) => !block.includes("\n"))).toBe(true);
    // (The engine drops some word spaces; compare without them.)
    expect(blocks[3]?.replace(/ /g, "")).toMatch(/^Cherries.*blossomonthehills\.$/);
    expect(page?.text).toBe(markdown);
    expectScoredLines(page?.text_lines, page?.dimensions ?? { width: 0, height: 0 });
    // The lines come in the Markdown's order, split at the gutter.
    const lineTexts = page?.text_lines?.map((line) => line.text) ?? [];
    expect(lineTexts.findIndex((text) => text.startsWith("Cherries"))).toBeGreaterThan(
      lineTexts.findIndex((text) => text.startsWith("Barley")),
    );
    expect(page?.confidence).toBeGreaterThan(0.8);
  }, 60_000);

  it("reads a receipt into Markdown that holds every recognised line, with the engine's scores", async () => {
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(readReceipt("000"))]), "000.jpg");
    form.set("task", "document");
    const response = await fetch(`${gateway.url}/v1/ocr`, { method: "POST", body: form });
    expect(response.status).toBe(200);
    const page = ((await response.json()) as OcrAnswer).pages[0];
    const markdown = page?.markdown ?? "";
    expect(markdown).toMatch(/TOTAL/i);
    expectScoredLines(page?.text_lines, page?.dimensions ?? { width: 0, height: 0 });
    const flat = markdown.replace(/\s+/g, " ");
    for (const line of page?.text_lines ?? []) {
      for (const word of line.text.split(/\s+/)) expect(flat).toContain(word.replace(/^[#>]/, ""));
    }
    expect(page?.confidence).toBeGreaterThan(0.5);
  }, 60_000);

  it("serves the Mistral SDK's ocr.process (JSON without a task reads `document`)", async () => {
    const mistral = new Mistral({
      apiKey: "unused",
      serverURL: gateway.url,
      retryConfig: { strategy: "none" },
    });
    const pdf = Buffer.from(twoColumnPdf).toString("base64");
    const result = await mistral.ocr.process({
      model: "mistral-ocr-latest",
      document: { type: "document_url", documentUrl: `data:application/pdf;base64,${pdf}` },
      tableFormat: "markdown",
      includeImageBase64: true,
    });
    expect(result.model).toBe("embedded:ppocr-v4");
    expect(result.pages).toHaveLength(1);
    expect(result.pages[0]?.markdown).toMatch(/^# Harvest Report/);
    expect(result.pages[0]?.images).toEqual([]);
    const image = await mistral.ocr.process({
      model: "mistral-ocr-latest",
      document: { type: "image_url", imageUrl: receiptDataUrl("000") },
    });
    expect(image.pages[0]?.markdown).toMatch(/TOTAL/i);
    expect(image.usageInfo.pagesProcessed).toBe(1);
  }, 60_000);
});

describe("request checks come before the engine's 501", () => {
  async function errorOf(response: Response): Promise<{ status: number; code: string; param?: string }> {
    const body = (await response.json()) as { error: { code: string; param?: string } };
    return {
      status: response.status,
      code: body.error.code,
      ...(body.error.param ? { param: body.error.param } : {}),
    };
  }

  it("answers 400 page_out_of_range for pages past the document, whatever the task", async () => {
    for (const task of ["document", "text", "fields"]) {
      const response = await postJson({
        document: pdfDocument(twoColumnPdf),
        task,
        pages: [3],
        ...(task === "fields" ? { fields: ["total"] } : {}),
      });
      expect(await errorOf(response)).toEqual({ status: 400, code: "page_out_of_range", param: "pages" });
    }
  });

  it("answers the schema's and the variables' own 4xx for a model-only task", async () => {
    const image = { type: "image_url", image_url: receiptDataUrl("000") };
    const unsupported = await postJson({
      document: image,
      schema: { type: "object", properties: { total: { type: "number", multipleOf: 0.01 } } },
    });
    expect(await errorOf(unsupported)).toMatchObject({ status: 422, code: "unsupported_schema" });
    const badTarget = await postJson({ document: image, task: "translate", target_language: "fr" });
    expect(await errorOf(badTarget)).toMatchObject({ status: 400, code: "unsupported_target_language" });
    const valid = await postJson({ document: image, fields: ["total"] });
    expect(await errorOf(valid)).toEqual({ status: 501, code: "task_needs_vlm_backend", param: "task" });
  });
});
