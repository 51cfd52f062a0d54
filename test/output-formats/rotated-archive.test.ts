import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { characterErrorRate } from "../../gateway/eval/text-metrics.ts";
import { readReceipt } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { lacks } from "../support/system-tools.ts";
import { pdfText, pdfWords } from "./support/poppler.ts";

const run = promisify(execFile);

// The embedded engine reads a receipt scanned lying on its side; the archive formats must describe the page as
// sent, with its text running down it.
let gateway: RunningGateway;
let sideways: Buffer;

beforeAll(async () => {
  gateway = await startGateway({ AUTO_ROTATE: "on" });
  sideways = await sharp(readReceipt("000")).rotate(90).jpeg({ quality: 90 }).toBuffer();
}, 60_000);

afterAll(async () => {
  await gateway.close();
});

async function post(fields: Record<string, string>): Promise<Response> {
  const form = new FormData();
  form.set("file", new Blob([new Uint8Array(sideways)]), "sideways.jpg");
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return fetch(`${gateway.url}/v1/ocr`, { method: "POST", body: form });
}

describe.skipIf(lacks("poppler", "xmllint"))("archive formats of a page read turned", () => {
  it("the searchable PDF's text runs down the page, where it was read, and copies out the same text", async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the answer is checked field by field
    const json: any = await (await post({ task: "spotting" })).json();
    expect(json.pages[0].rotation).toBe(270);
    const boxes: Array<{ text: string; box: { x1: number; y1: number; x2: number; y2: number } }> =
      json.pages[0].boxes;
    const response = await post({ output_format: "pdf" });
    expect(response.status).toBe(200);
    const pdf = new Uint8Array(await response.arrayBuffer());
    // Poppler reads text turned 90° as its own flow: compare without line order or spacing.
    const sorted = (text: string) => [...text.replace(/\s+/g, "")].sort().join("");
    expect(characterErrorRate(sorted(json.text), sorted(await pdfText(pdf)))).toBeLessThanOrEqual(0.02);
    const words = await pdfWords(pdf);
    expect(words.length).toBeGreaterThan(10);
    for (const word of words) {
      const inside = boxes.some(
        ({ text, box }) =>
          text.includes(word.text) &&
          word.xMin >= box.x1 - 1.5 &&
          word.xMax <= box.x2 + 1.5 &&
          word.yMin >= box.y1 - 1.5 &&
          word.yMax <= box.y2 + 1.5,
      );
      expect(inside, JSON.stringify(word)).toBe(true);
    }
    // Multi-character words run down the page: taller than wide.
    const long = words.filter((word) => word.text.length >= 4);
    expect(long.every((word) => word.yMax - word.yMin > word.xMax - word.xMin)).toBe(true);
  }, 120_000);

  it("ALTO marks the blocks ROTATION 270 and still validates; hOCR lines carry textangle 270", async () => {
    const alto = await (await post({ output_format: "alto" })).text();
    const blocks = alto.match(/<TextBlock [^>]*>/g) ?? [];
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.every((block) => block.includes('ROTATION="270"'))).toBe(true);
    const dir = await mkdtemp(path.join(tmpdir(), "alto-rotated-"));
    try {
      const file = path.join(dir, "out.xml");
      await writeFile(file, alto);
      const schema = path.resolve(import.meta.dirname, "fixtures/alto-4-subset.xsd");
      const { stderr } = await run("xmllint", ["--noout", "--schema", schema, file]);
      expect(stderr).toContain("validates");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const hocr = await (await post({ output_format: "hocr" })).text();
    const lines = hocr.match(/class="ocr_line"[^>]*>/g) ?? [];
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.every((line) => line.includes("; textangle 270;"))).toBe(true);
  }, 120_000);
});
