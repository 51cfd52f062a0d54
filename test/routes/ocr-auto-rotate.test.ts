import { PDFDocument } from "pdf-lib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSroieSample } from "../../gateway/eval/sroie-dataset.ts";
import { characterErrorRate } from "../../gateway/eval/text-metrics.ts";
import { inverseRotation, type PageRotation, toSentBox } from "../../gateway/images/page-rotation.ts";
import { ocrResponseSchema } from "../../gateway/ocr/ocr-response-schema.ts";
import { readReceipt, receiptPath, SROIE_DIR } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import {
  exifRotatedReceipt,
  postOcrForm,
  sentImage,
  upstreamBodies,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";

const bed = useOcrGateway({ AUTO_ROTATE: "on", UPSTREAM_TOTAL_TIMEOUT_MS: "60000" });

/** Receipt 000 is 463×1013 pixels. */
const RECEIPT = { width: 463, height: 1013 };

interface Page {
  rotation?: number;
  dimensions: { width: number; height: number };
  boxes?: Array<{
    text: string;
    box: { x1: number; y1: number; x2: number; y2: number };
    polygon: number[][];
  }>;
  warnings: string[];
}

async function ocr(bytes: Buffer, task: string): Promise<{ pages: Page[] }> {
  const response = await postOcrForm(
    bed.gateway.url,
    { bytes, name: "scan.jpg", type: "image/jpeg" },
    { task },
  );
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  // The answer, rotation included, fits the published contract.
  expect(ocrResponseSchema.safeParse(body).error).toBeUndefined();
  return body as { pages: Page[] };
}

/** Mean absolute grey difference of two images shrunk to the same small size: 0 for the same picture. */
async function difference(a: Buffer, b: Buffer): Promise<number> {
  const small = (image: Buffer) => sharp(image).resize(48, 96, { fit: "fill" }).greyscale().raw().toBuffer();
  const [x, y] = await Promise.all([small(a), small(b)]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.abs((x[i] ?? 0) - (y[i] ?? 0));
  return sum / x.length;
}

/** `image` is the picture `upright` (re-encoded), and not that picture upside down. */
async function expectUpright(image: Buffer, upright: Buffer): Promise<void> {
  const same = await difference(image, upright);
  const flipped = await difference(image, await sharp(upright).rotate(180).toBuffer());
  expect(same * 4, `${same} vs ${flipped}`).toBeLessThan(flipped);
}

async function lastSentImage() {
  const bodies = upstreamBodies(bed.emulator);
  return sentImage(bodies.at(-1) as Record<string, unknown>);
}

describe("auto-rotation before HunyuanOCR (vLLM)", () => {
  it.each([90, 180, 270] as const)(
    "sends the model the upright page of a receipt turned %i° and answers in the sent page's pixels",
    async (turn) => {
      const upright = readReceipt("000");
      const uprightAnswer = await ocr(upright, "spotting");
      expect(uprightAnswer.pages[0]?.rotation).toBe(0);

      const sent = await sharp(upright).rotate(turn).jpeg({ quality: 90 }).toBuffer();
      const answer = await ocr(sent, "spotting");
      const rotation = inverseRotation(turn);
      const page = answer.pages[0] as Page;
      expect(page.rotation).toBe(rotation);
      const sentSize = turn === 180 ? RECEIPT : { width: RECEIPT.height, height: RECEIPT.width };
      expect(page.dimensions).toMatchObject(sentSize);

      // The model saw the receipt upright, not as sent.
      const received = await lastSentImage();
      expect({ width: received.width, height: received.height }).toEqual(RECEIPT);
      await expectUpright(received.bytes, upright);

      // The emulator answers the same 0–1000 boxes for any receipt: on the turned upload they are the upright
      // answer's boxes, turned with the page.
      const expected = (uprightAnswer.pages[0]?.boxes ?? []).map(({ text, box }) => ({
        text,
        box: toSentBox(box, rotation as PageRotation, RECEIPT),
      }));
      expect(expected.length).toBeGreaterThan(3);
      const boxes = (page.boxes ?? []).map(({ text, box }) => ({ text, box }));
      expect(boxes).toHaveLength(expected.length);
      boxes.forEach(({ text, box }, n) => {
        expect(text).toBe(expected[n]?.text);
        for (const edge of ["x1", "y1", "x2", "y2"] as const)
          expect(box[edge]).toBeCloseTo(expected[n]?.box[edge] ?? -1, 0);
        expect(box.x2).toBeLessThanOrEqual(sentSize.width);
        expect(box.y2).toBeLessThanOrEqual(sentSize.height);
      });
    },
    120_000,
  );

  it("turns the sideways page of a PDF, and only that one", async () => {
    const pdf = await PDFDocument.create();
    const upright = readReceipt("000");
    const sideways = await sharp(upright).rotate(90).jpeg({ quality: 90 }).toBuffer();
    for (const image of [upright, sideways]) {
      const embedded = await pdf.embedJpg(image);
      const page = pdf.addPage([embedded.width, embedded.height]);
      page.drawImage(embedded, { x: 0, y: 0, width: embedded.width, height: embedded.height });
    }
    const response = await postOcrForm(
      bed.gateway.url,
      { bytes: Buffer.from(await pdf.save()), name: "mixed.pdf", type: "application/pdf" },
      { task: "text" },
    );
    const body = (await response.json()) as { pages: Page[] };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.pages.map((page) => page.rotation)).toEqual([0, 270]);
    expect(body.pages[1]?.dimensions.width).toBeGreaterThan(body.pages[1]?.dimensions.height ?? 0);
    // Both pages reached the model standing up.
    const received = await Promise.all(
      upstreamBodies(bed.emulator)
        .slice(-2)
        .map((request) => sentImage(request)),
    );
    for (const image of received) expect(image.height).toBeGreaterThan(image.width);
  }, 120_000);

  it("does not turn a phone photo twice: EXIF orientation first, then nothing left to do", async () => {
    const answer = await ocr(await exifRotatedReceipt("000"), "text");
    expect(answer.pages[0]).toMatchObject({ rotation: 0, dimensions: RECEIPT });
    const received = await lastSentImage();
    expect({ width: received.width, height: received.height }).toEqual(RECEIPT);
    await expectUpright(received.bytes, readReceipt("000"));
  }, 60_000);

  it("sends a blank page as it came, with rotation 0 and no warning", async () => {
    const blank = await sharp({ create: { width: 700, height: 500, channels: 3, background: "#fff" } })
      .jpeg()
      .toBuffer();
    const answer = await ocr(blank, "text");
    expect(answer.pages[0]).toMatchObject({ rotation: 0, warnings: [] });
    const received = await lastSentImage();
    expect({ width: received.width, height: received.height }).toEqual({ width: 700, height: 500 });
  }, 60_000);

  it("times each detection in the preprocessing histogram", async () => {
    const metrics = await (await fetch(`${bed.gateway.url}/metrics`)).text();
    const count = /ocr_gateway_preprocess_duration_seconds_count\{kind="orientation"\} (\d+)/.exec(metrics);
    expect(Number(count?.[1])).toBeGreaterThanOrEqual(8);
  });
});

describe("AUTO_ROTATE=off", () => {
  const plain = useOcrGateway({ AUTO_ROTATE: "off" });

  it("sends the page as it came and reports no rotation", async () => {
    const sent = await sharp(readReceipt("000")).rotate(90).jpeg({ quality: 90 }).toBuffer();
    const response = await postOcrForm(
      plain.gateway.url,
      { bytes: sent, name: "scan.jpg" },
      { task: "text" },
    );
    const body = (await response.json()) as { pages: Page[] };
    expect(body.pages[0]).not.toHaveProperty("rotation");
    const received = await sentImage(upstreamBodies(plain.emulator).at(-1) as Record<string, unknown>);
    expect(received.bytes.equals(sent)).toBe(true);
    expect(plain.gateway.deps.orienter).toBeUndefined();
  });
});

describe("auto-rotation on the embedded engine", () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startGateway({ AUTO_ROTATE: "on" });
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
  });

  it("reads a receipt turned 90° upright and answers boxes on the page as sent", async () => {
    const receipt = (await loadSroieSample(SROIE_DIR)).find(({ id }) => id === "005");
    const sent = await sharp(receiptPath("005")).rotate(90).jpeg({ quality: 90 }).toBuffer();
    const { width, height } = await sharp(sent).metadata();
    const response = await postOcrForm(gateway.url, { bytes: sent, name: "scan.jpg" }, { task: "spotting" });
    const body = await response.json();
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(ocrResponseSchema.safeParse(body).error).toBeUndefined();
    const page = (body as { pages: Page[] }).pages[0] as Page;
    expect(page).toMatchObject({ rotation: 270, dimensions: { width, height } });
    expect(characterErrorRate(receipt?.truth ?? "", (body as { text: string }).text)).toBeLessThan(0.3);
    expect(page.boxes?.length).toBeGreaterThan(10);
    for (const { box } of page.boxes ?? []) {
      expect(box.x2).toBeLessThanOrEqual(width ?? 0);
      expect(box.y2).toBeLessThanOrEqual(height ?? 0);
      // Lines of a receipt lying on its side are taller than wide on the page as sent.
      expect(box.y2 - box.y1).toBeGreaterThanOrEqual(box.x2 - box.x1);
    }
  }, 120_000);
});
