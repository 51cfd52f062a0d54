import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEmbeddedEngine,
  type EmbeddedEngine,
} from "../../gateway/engines/embedded/create-embedded-engine.ts";
import {
  createPageOrienter,
  type PageOrienter,
} from "../../gateway/engines/orientation/create-page-orienter.ts";
import { loadSroieSample, type SroieReceipt } from "../../gateway/eval/sroie-dataset.ts";
import { characterErrorRate } from "../../gateway/eval/text-metrics.ts";
import type { ImageLimits } from "../../gateway/images/image-limits.ts";
import { normalizeImage } from "../../gateway/images/normalize-image.ts";
import { inverseRotation, type PageRotation, toUprightPoint } from "../../gateway/images/page-rotation.ts";
import { withAutoRotation } from "../../gateway/ocr/auto-rotate-backend.ts";
import { EmbeddedOcrBackend } from "../../gateway/ocr/embedded-ocr-backend.ts";
import type { OcrBackend, PreparedTask } from "../../gateway/ocr/ocr-backend.ts";
import {
  type PageBox,
  type PageResult,
  type PreparedPage,
  preparedPage,
} from "../../gateway/ocr/ocr-types.ts";
import { BUILTIN_PROMPTS_DIR, loadTaskRegistry } from "../../gateway/tasks/index.ts";
import { SROIE_DIR } from "../support/fixtures.ts";

const LIMITS: ImageLimits = { maxInputPixels: 100_000_000, maxLongSide: 1600, maxPixels: 1600 * 1600 };
// A narrow till receipt and a wide one; more only costs minutes on a loaded machine.
const RECEIPTS = ["000", "005"];

let engine: EmbeddedEngine;
let orienter: PageOrienter;
let reader: EmbeddedOcrBackend;
let rotating: OcrBackend;
let spotting: PreparedTask;
let receipts: SroieReceipt[];

beforeAll(async () => {
  engine = await createEmbeddedEngine({ workers: 1 });
  orienter = createPageOrienter();
  const tasks = await loadTaskRegistry([BUILTIN_PROMPTS_DIR]);
  reader = new EmbeddedOcrBackend(engine, LIMITS, tasks);
  rotating = withAutoRotation(reader, orienter);
  spotting = rotating.prepareTask(tasks.get("spotting"), { variables: {}, includeImageBase64: false });
  receipts = (await loadSroieSample(SROIE_DIR)).filter((receipt) => RECEIPTS.includes(receipt.id));
}, 60_000);

afterAll(async () => {
  await orienter?.close();
  await engine?.close();
});

async function page(bytes: Buffer): Promise<PreparedPage> {
  return preparedPage(0, await normalizeImage(bytes, LIMITS));
}

function read(backend: OcrBackend, prepared: PreparedPage): Promise<PageResult> {
  return backend.runPage(prepared, spotting, {
    requestId: "test",
    signal: new AbortController().signal,
    onDelta: () => {},
  });
}

/** A box of the page as sent, moved onto the upright page. */
function onUpright({ box }: PageBox, rotation: PageRotation, sent: { width: number; height: number }) {
  const [ax, ay] = toUprightPoint([box.x1, box.y1], rotation, sent);
  const [bx, by] = toUprightPoint([box.x2, box.y2], rotation, sent);
  return { x1: Math.min(ax, bx), y1: Math.min(ay, by), x2: Math.max(ax, bx), y2: Math.max(ay, by) };
}

function overlap(a: PageBox["box"], b: PageBox["box"]): number {
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const area = (r: PageBox["box"]) => (r.x2 - r.x1) * (r.y2 - r.y1);
  return (w * h) / (area(a) + area(b) - w * h);
}

describe("embedded engine with auto-rotation", () => {
  it("reads receipts turned 90°, 180° and 270° as well as upright ones, boxes on the page as sent", async () => {
    for (const receipt of receipts) {
      const bytes = await sharp(receipt.imagePath).jpeg({ quality: 90 }).toBuffer();
      const uprightPage = await page(bytes);
      const upright = await read(reader, uprightPage);
      const uprightCer = characterErrorRate(receipt.truth, upright.text);
      for (const turn of [90, 180, 270] as const) {
        const sentPage = await page(await sharp(bytes).rotate(turn).jpeg({ quality: 90 }).toBuffer());
        const result = await read(rotating, sentPage);
        const rotation = inverseRotation(turn);
        const label = `${receipt.id} turned ${turn}°`;
        expect(result.rotation, label).toBe(rotation);
        expect(result.dimensions, label).toEqual(sentPage.dimensions);
        // The same words, whichever way the receipt came in.
        expect(characterErrorRate(upright.text, result.text), label).toBeLessThan(0.05);
        expect(characterErrorRate(receipt.truth, result.text), label).toBeLessThan(uprightCer + 0.02);
        const boxes = result.boxes ?? [];
        expect(boxes.length, label).toBeGreaterThan(10);
        for (const { box } of boxes) {
          expect(box.x1).toBeGreaterThanOrEqual(0);
          expect(box.y1).toBeGreaterThanOrEqual(0);
          expect(box.x2).toBeLessThanOrEqual(sentPage.dimensions.width);
          expect(box.y2).toBeLessThanOrEqual(sentPage.dimensions.height);
        }
        // Turned upright again, the boxes are the upright reading's.
        const matched = boxes.filter((box) =>
          (upright.boxes ?? []).some(
            (other) => overlap(onUpright(box, rotation, sentPage.dimensions), other.box) > 0.8,
          ),
        );
        expect(matched.length / boxes.length, label).toBeGreaterThan(0.9);
      }
    }
  }, 600_000);

  it("reads an upright page as sent and says so", async () => {
    const sent = await page(await sharp(receipts[0]?.imagePath).jpeg({ quality: 90 }).toBuffer());
    const [plain, rotated] = [await read(reader, sent), await read(rotating, sent)];
    expect(rotated).toEqual({ ...plain, rotation: 0 });
  }, 60_000);

  it("reads a blank page as sent, without an error", async () => {
    const blank = await sharp({ create: { width: 600, height: 900, channels: 3, background: "#fff" } })
      .png()
      .toBuffer();
    const result = await read(rotating, await page(blank));
    expect(result).toMatchObject({ rotation: 0, text: "", warnings: [], finish_reason: "stop" });
  }, 60_000);

  it("reads the page as sent, with a warning, when detection fails", async () => {
    const failing: PageOrienter = {
      started: true,
      detect: () => Promise.reject(new Error("models missing")),
      close: async () => {},
    };
    const failures: unknown[] = [];
    const backend = withAutoRotation(reader, failing, { failed: (error) => failures.push(error) });
    const sent = await page(await sharp(receipts[0]?.imagePath).rotate(180).jpeg().toBuffer());
    const result = await read(backend, sent);
    expect(result.rotation).toBe(0);
    expect(result.warnings).toEqual(["the page's orientation could not be detected: models missing"]);
    expect(failures).toHaveLength(1);
  }, 60_000);
});
