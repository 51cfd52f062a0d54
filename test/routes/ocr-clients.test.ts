import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Mistral } from "@mistralai/mistralai";
import { afterAll, describe, expect, it } from "vitest";
import { receiptDataUrl, receiptPath } from "../support/fixtures.ts";
import {
  buildReceiptPdf,
  postOcrForm,
  receiptUpload,
  sentPrompt,
  upstreamBodies,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";
import { lacks } from "../support/system-tools.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;

const run = promisify(execFile);

// The snippet from the issue, unchanged in spirit: what existing users of the seed run today.
const SEED_CLIENT = `
import sys
import requests
url, path = sys.argv[1], sys.argv[2]
response = requests.post(url, files={'file': open(path, 'rb')}, data={'task': 'extract_text', 'language': 'zh'})
print(response.json()['text'])
`;

describe("existing clients", () => {
  const bed = useOcrGateway();

  it.skipIf(lacks("python3-requests"))("the seed's python-requests snippet prints the text", async () => {
    const text = "BOOK TA .K (TAMAN DAYA) SDN BHD\n书塔（大雅花园）有限公司\nTOTAL: 9.00";
    bed.emulator.script({ text });
    const { stdout } = await run(
      "python3",
      ["-c", SEED_CLIENT, `${bed.gateway.url}/v1/ocr`, receiptPath("000")],
      {
        env: { ...process.env, NO_PROXY: "127.0.0.1", no_proxy: "127.0.0.1", PYTHONIOENCODING: "utf-8" },
        timeout: 20_000,
      },
    );
    expect(stdout).toBe(`${text}\n`);
    expect(sentPrompt(upstreamBodies(bed.emulator)[0] ?? {})).toBe("提取图中的文字。");
  });

  describe("the Mistral SDK (validates our response with its own schemas)", () => {
    const client = () =>
      new Mistral({ apiKey: "unused", serverURL: bed.gateway.url, retryConfig: { strategy: "none" } });

    it("reads an image with markdown, dimensions and a cropped figure", async () => {
      bed.emulator.script({
        text: "# BOOK TA .K (TAMAN DAYA) SDN BHD\n\nLogo(100,50),(500,200)\n\nTOTAL: 9.00",
      });
      const result = await client().ocr.process({
        model: "mistral-ocr-latest",
        document: { type: "image_url", imageUrl: receiptDataUrl("000") },
        includeImageBase64: true,
      });
      expect(result.model).toEqual(expect.any(String));
      expect(result.pages).toHaveLength(1);
      const [page] = result.pages;
      expect(page?.markdown).toContain("TOTAL: 9.00");
      expect(page?.dimensions).toMatchObject({ width: 463, height: 1013, dpi: expect.any(Number) });
      expect(page?.images[0]).toMatchObject({
        topLeftX: 46,
        topLeftY: 51,
        bottomRightX: 232,
        bottomRightY: 203,
      });
      expect(page?.images[0]?.imageBase64).toMatch(/^data:image\/jpeg;base64,/);
      expect(result.usageInfo.pagesProcessed).toBe(1);
    });

    it("reads selected pages of a PDF document_url", async () => {
      const pdf = Buffer.from(await buildReceiptPdf(3)).toString("base64");
      bed.emulator.setDefaultAnswer(() => ({ text: "Page text" }));
      const result = await client().ocr.process({
        model: "mistral-ocr-latest",
        document: {
          type: "document_url",
          documentUrl: `data:application/pdf;base64,${pdf}`,
          documentName: "r.pdf",
        },
        pages: [0, 2],
      });
      expect(result.pages.map((page) => page.index)).toEqual([0, 2]);
      expect(result.pages.every((page) => page.markdown === "Page text")).toBe(true);
      expect(result.pages[0]?.dimensions?.dpi).toBeGreaterThanOrEqual(72);
    });

    it("returns the document annotation for a json_schema documentAnnotationFormat", async () => {
      bed.emulator.script({ text: '{"company": "BOOK TA .K (TAMAN DAYA) SDN BHD", "total": "9.00"}' });
      const result = await client().ocr.process({
        model: "mistral-ocr-latest",
        document: { type: "image_url", imageUrl: receiptDataUrl("000") },
        documentAnnotationFormat: {
          type: "json_schema",
          jsonSchema: {
            name: "receipt",
            schemaDefinition: {
              type: "object",
              properties: { company: { type: "string" }, total: { type: "string" } },
              required: ["company", "total"],
              additionalProperties: false,
            },
          },
        },
      });
      expect(JSON.parse(result.documentAnnotation ?? "null")).toEqual({
        company: "BOOK TA .K (TAMAN DAYA) SDN BHD",
        total: "9.00",
      });
      expect(upstreamBodies(bed.emulator)[0]?.response_format).toMatchObject({
        json_schema: { name: "receipt" },
      });
    });
  });
});

describe("GET /v1/tasks and custom task files", () => {
  const promptsDir = mkdtempSync(path.join(tmpdir(), "ocr-prompts-"));
  writeFileSync(
    path.join(promptsDir, "receipt-total.yaml"),
    [
      "name: receipt_total",
      "aliases: [total_only]",
      "description: The total amount of a receipt.",
      "default_language: en",
      "parser: text",
      "sampling:",
      "  max_tokens: 64",
      "prompts:",
      "  hunyuanocr-1.0:",
      "    en: Output the value of TOTAL.",
      "    zh: 输出TOTAL的值。",
      "",
    ].join("\n"),
  );
  afterAll(() => rmSync(promptsDir, { recursive: true, force: true }));
  const bed = useOcrGateway({ PROMPTS_DIR: promptsDir });

  it("lists the shipped tasks and the custom one", async () => {
    const response = await fetch(`${bed.gateway.url}/v1/tasks`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    expect(body.profile).toBe("hunyuanocr-1.0");
    const names = body.data.map((task: Json) => task.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "chart",
        "document",
        "fields",
        "formula",
        "spotting",
        "subtitles",
        "table",
        "text",
        "translate",
        "value",
        "receipt_total",
      ]),
    );
    const text = body.data.find((task: Json) => task.name === "text");
    expect(text.aliases).toContain("extract_text");
    expect(text.languages).toEqual(expect.arrayContaining(["zh", "en"]));
    const fields = body.data.find((task: Json) => task.name === "fields");
    expect(fields.structured_output).toBe(true);
    expect(fields.variables.map((variable: Json) => variable.name)).toEqual(["fields"]);
  });

  it("runs the custom task through /v1/ocr with its prompt and max_tokens", async () => {
    bed.emulator.script({ text: "9.00" });
    const response = await postOcrForm(bed.gateway.url, receiptUpload("000"), { task: "total_only" });
    const body = (await response.json()) as Json;
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ task: "receipt_total", text: "9.00" });
    const [sent] = upstreamBodies(bed.emulator);
    expect(sentPrompt(sent ?? {})).toBe("Output the value of TOTAL.");
    expect(sent?.max_tokens).toBe(64);
  });
});

describe("a long-running gateway", () => {
  const bed = useOcrGateway();

  it("keeps answering after many OCR requests in a row, and keeps the model server in rotation", async () => {
    const statuses: number[] = [];
    for (let n = 0; n < 6; n++) {
      bed.emulator.script({ text: `TOTAL: ${n}.00` });
      const response = await postOcrForm(bed.gateway.url, receiptUpload("000"), { task: "text" });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);
    // The replica stays in rotation: finishing an answer at vLLM's [DONE] is not a replica failure.
    const metrics = await (await fetch(`${bed.gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^ocr_gateway_upstream_healthy\{replica="[^"]+"[^}]*\} 1$/m);
  });
});
