import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { characterErrorRate } from "../../gateway/eval/text-metrics.ts";
import { readReceipt } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { lacks } from "../support/system-tools.ts";
import { pdfText, pdfWords } from "./support/poppler.ts";

// Real line boxes and confidences: the embedded CPU engine reads real receipts (no VLLM_URL).
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startGateway({});
}, 60_000);

afterAll(async () => {
  await gateway.close();
});

async function post(id: string, fields: Record<string, string>): Promise<Response> {
  const form = new FormData();
  form.set("file", new Blob([new Uint8Array(readReceipt(id))]), `${id}.jpg`);
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return fetch(`${gateway.url}/v1/ocr`, { method: "POST", body: form });
}

describe.skipIf(lacks("poppler"))("archive formats from the embedded engine", () => {
  it.each(["000", "001"])(
    "receipt %s: the searchable PDF copies out what /v1/ocr read, where it read it",
    async (id) => {
      // biome-ignore lint/suspicious/noExplicitAny: the answer is checked field by field
      const json: any = await (await post(id, { task: "spotting" })).json();
      const boxes: Array<{ text: string; box: { x1: number; y1: number; x2: number; y2: number } }> =
        json.pages[0].boxes;
      expect(boxes.length).toBeGreaterThan(10);
      const response = await post(id, { output_format: "pdf" });
      expect(response.status).toBe(200);
      const pdf = new Uint8Array(await response.arrayBuffer());
      expect(characterErrorRate(json.text, await pdfText(pdf))).toBeLessThanOrEqual(0.01);
      const pxPerPt = ((await sharp(readReceipt(id)).metadata()).density ?? 72) / 72;
      for (const word of await pdfWords(pdf)) {
        const inside = boxes.some(
          ({ text, box }) =>
            text.includes(word.text) &&
            word.xMin * pxPerPt >= box.x1 - 1.5 &&
            word.xMax * pxPerPt <= box.x2 + 1.5 &&
            word.yMin * pxPerPt >= box.y1 - 1.5 &&
            word.yMax * pxPerPt <= box.y2 + 1.5,
        );
        expect(inside, JSON.stringify(word)).toBe(true);
      }
    },
    60_000,
  );

  it("ALTO carries the engine's confidence as WC on every word, hOCR as x_wconf", async () => {
    const alto = await (await post("000", { output_format: "alto" })).text();
    const strings = alto.match(/<String [^>]*>/g) ?? [];
    expect(strings.length).toBeGreaterThan(10);
    for (const element of strings) {
      const confidence = Number(/ WC="([\d.]+)"/.exec(element)?.[1]);
      expect(confidence).toBeGreaterThanOrEqual(0);
      expect(confidence).toBeLessThanOrEqual(1);
    }
    const hocr = await (await post("000", { output_format: "hocr" })).text();
    expect(hocr).toContain("ocrp_wconf");
    expect(hocr).toMatch(/class="ocrx_word"[^>]*x_wconf \d+/);
  }, 60_000);
});
