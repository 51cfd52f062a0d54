/**
 * Auto-rotation on every receipt of an SROIE-style folder turned 0°, 90°, 180° and 270°: whether the detected
 * angle is right, what the detection costs per page, and what the embedded engine reads with and without it.
 * The baseline in the same run is the embedded engine reading the page (the work rotation adds to).
 *
 *   npx tsx bench/rotation.ts [--dataset test/fixtures/sroie] [--limit N] [--long-side 2048]
 *
 * `--long-side` is the size pages are prepared at before detection: 2048 as for vLLM (IMAGE_MAX_PIXELS), 1600
 * as for the embedded engine. Detection ms is the worker's own time (decode + detector + classifier), one page
 * at a time; the engine's ms is its `recognize` call on the upright page.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { createEmbeddedEngine } from "../gateway/engines/embedded/create-embedded-engine.ts";
import { createPageOrienter } from "../gateway/engines/orientation/create-page-orienter.ts";
import { BUNDLED_SROIE_SAMPLE, loadSroieSample } from "../gateway/eval/sroie-dataset.ts";
import { characterErrors, type ErrorCount, errorRate } from "../gateway/eval/text-metrics.ts";
import { normalizeImage } from "../gateway/images/normalize-image.ts";
import { inverseRotation, PAGE_ROTATIONS } from "../gateway/images/page-rotation.ts";
import { withAutoRotation } from "../gateway/ocr/auto-rotate-backend.ts";
import { EmbeddedOcrBackend } from "../gateway/ocr/embedded-ocr-backend.ts";
import type { OcrBackend, PreparedTask } from "../gateway/ocr/ocr-backend.ts";
import { type PreparedPage, preparedPage } from "../gateway/ocr/ocr-types.ts";
import { BUILTIN_PROMPTS_DIR, loadTaskRegistry } from "../gateway/tasks/index.ts";

const { values } = parseArgs({
  options: {
    dataset: { type: "string", default: BUNDLED_SROIE_SAMPLE },
    limit: { type: "string", default: "1000" },
    "long-side": { type: "string", default: "2048" },
  },
});

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

const longSide = Number(values["long-side"]);
const limits = { maxInputPixels: 100_000_000, maxLongSide: longSide, maxPixels: longSide * longSide };
const receipts = (await loadSroieSample(values.dataset)).slice(0, Number(values.limit));
const engine = await createEmbeddedEngine({ workers: 1 });
const orienter = createPageOrienter();
const tasks = await loadTaskRegistry([BUILTIN_PROMPTS_DIR]);
const reader = new EmbeddedOcrBackend(engine, limits, tasks);
const rotating = withAutoRotation(reader, orienter);
const task: PreparedTask = reader.prepareTask(tasks.get("text"), {
  variables: {},
  includeImageBase64: false,
});

async function page(bytes: Buffer): Promise<PreparedPage> {
  return preparedPage(0, await normalizeImage(bytes, limits));
}

async function read(backend: OcrBackend, prepared: PreparedPage): Promise<string> {
  const signal = new AbortController().signal;
  return (await backend.runPage(prepared, task, { requestId: "bench", signal, onDelta: () => {} })).text;
}

const detectMs: number[] = [];
const recognizeMs: number[] = [];
let right = 0;
let pages = 0;
const wrong: string[] = [];
const cer = { upright: [] as ErrorCount[], rotated: [] as ErrorCount[], unrotated: [] as ErrorCount[] };
for (const receipt of receipts) {
  const bytes = await readFile(receipt.imagePath);
  for (const turn of PAGE_ROTATIONS) {
    const sent = await page(await sharp(bytes).rotate(turn).jpeg({ quality: 90 }).toBuffer());
    const reading = await orienter.detect(sent.image.data);
    detectMs.push(reading.durationMs);
    pages++;
    if (reading.rotation === inverseRotation(turn)) right++;
    else wrong.push(`${receipt.id} turned ${turn}°: detected ${reading.rotation}`);
    if (turn === 0) {
      const started = performance.now();
      cer.upright.push(characterErrors(receipt.truth, await read(reader, sent)));
      recognizeMs.push(performance.now() - started);
    } else {
      cer.rotated.push(characterErrors(receipt.truth, await read(rotating, sent)));
      cer.unrotated.push(characterErrors(receipt.truth, await read(reader, sent)));
    }
  }
  process.stderr.write(".");
}
process.stderr.write("\n");
await orienter.close();
await engine.close();

const pct = (value: number) => `${(100 * value).toFixed(1)} %`;
const detectP50 = percentile(detectMs, 0.5);
const recognizeP50 = percentile(recognizeMs, 0.5);
console.log(`${receipts.length} receipts × 4 angles, pages prepared at ≤ ${longSide} px`);
console.log(`angle right: ${right}/${pages}${wrong.length ? ` (wrong: ${wrong.join("; ")})` : ""}`);
console.log(
  `detection ms/page: p50 ${detectP50.toFixed(0)}, p90 ${percentile(detectMs, 0.9).toFixed(0)}; ` +
    `embedded engine read (baseline) p50 ${recognizeP50.toFixed(0)} ms; ratio ${(detectP50 / recognizeP50).toFixed(2)}`,
);
console.log(
  `embedded CER: upright ${pct(errorRate(cer.upright))}, turned with auto-rotation ${pct(errorRate(cer.rotated))}, ` +
    `turned without ${pct(errorRate(cer.unrotated))}`,
);
