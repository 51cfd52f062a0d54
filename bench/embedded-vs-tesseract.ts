/**
 * The embedded PP-OCRv4 engine against Debian's `tesseract --psm 4`, on every receipt of an SROIE-style folder,
 * in one run. CER follows docs' recipe (gateway/eval/text-metrics.ts): truth = boxes.csv transcripts sorted by
 * top-left y then x, joined by newlines; upper-cased, whitespace removed; edits / truth length over the folder.
 * WER is the same over words (split on whitespace), so a lost space costs two words and a wrong one one.
 * CER (any order) finds each truth box's transcript anywhere in the output instead (gateway/eval/order-free-cer.ts),
 * so an engine is not charged for reading a printed line left to right when the truth's boxes on it are ordered
 * the other way by a pixel of their top edges.
 *
 *   npx tsx bench/embedded-vs-tesseract.ts [--dataset test/fixtures/sroie] [--json]
 *
 * Pages are read one at a time; ms/page is the whole `recognize` call (decode, bounding, inference, grouping)
 * and the whole tesseract process. Peak RSS: this process while the engine runs (worker threads included), and
 * the largest tesseract process.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { createEmbeddedEngine } from "../gateway/engines/embedded/create-embedded-engine.ts";
import type { RecognitionResult } from "../gateway/engines/ocr-engine.ts";
import { orderFreeCharacterErrors } from "../gateway/eval/order-free-cer.ts";
import { BUNDLED_SROIE_SAMPLE, loadSroieSample, type SroieReceipt } from "../gateway/eval/sroie-dataset.ts";
import { characterErrors, type ErrorCount, errorRate, wordErrors } from "../gateway/eval/text-metrics.ts";
import { readWithTesseract, tesseractVersion } from "./lib/tesseract-cli.ts";

interface EngineRun {
  engine: string;
  pages: number;
  cer: number;
  /** The lines matched to the reference's in any order (gateway/eval/order-free-cer.ts). */
  cerAnyOrder: number;
  wer: number;
  /** Embedded only: the recipe applied to the detected segments instead of the grouped lines. */
  cerSegments?: number;
  pagesPerSecond: number;
  msPerPageP50: number;
  peakRssMb: number;
  loadMs?: number;
  perPage: Array<{ id: string; errors: number; truthLength: number; ms: number }>;
}

const { values } = parseArgs({
  options: {
    dataset: { type: "string", default: BUNDLED_SROIE_SAMPLE },
    json: { type: "boolean", default: false },
    workers: { type: "string", default: "1" },
    "max-long-side": { type: "string", default: "1216" },
  },
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function segmentsInRecipeOrder(result: RecognitionResult): string {
  return result.lines
    .flatMap((line) => line.segments ?? [line])
    .sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x)
    .map((segment) => segment.text)
    .join("\n");
}

function summarise(
  engine: string,
  counts: ErrorCount[],
  anyOrderCounts: ErrorCount[],
  wordCounts: ErrorCount[],
  perPage: EngineRun["perPage"],
  wallMs: number,
) {
  return {
    engine,
    pages: perPage.length,
    cer: errorRate(counts),
    cerAnyOrder: errorRate(anyOrderCounts),
    wer: errorRate(wordCounts),
    pagesPerSecond: perPage.length / (wallMs / 1000),
    msPerPageP50: median(perPage.map((p) => p.ms)),
    perPage,
  };
}

async function runEmbedded(receipts: SroieReceipt[]): Promise<EngineRun> {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 25);
  const engine = await createEmbeddedEngine({
    workers: Number(values.workers),
    maxLongSide: Number(values["max-long-side"]),
    maxQueue: receipts.length,
  });
  try {
    const counts: ErrorCount[] = [];
    const anyOrderCounts: ErrorCount[] = [];
    const wordCounts: ErrorCount[] = [];
    const segmentCounts: ErrorCount[] = [];
    const perPage: EngineRun["perPage"] = [];
    const started = performance.now();
    for (const receipt of receipts) {
      const image = await readFile(receipt.imagePath);
      const pageStarted = performance.now();
      const result = await engine.recognize(image);
      const ms = performance.now() - pageStarted;
      const text = result.lines.map((line) => line.text).join("\n");
      const count = characterErrors(receipt.truth, text);
      counts.push(count);
      anyOrderCounts.push(orderFreeCharacterErrors(receipt.truth, text));
      wordCounts.push(wordErrors(receipt.truth, text));
      segmentCounts.push(characterErrors(receipt.truth, segmentsInRecipeOrder(result)));
      perPage.push({ id: receipt.id, errors: count.errors, truthLength: count.referenceLength, ms });
    }
    const wallMs = performance.now() - started;
    return {
      ...summarise(engine.id, counts, anyOrderCounts, wordCounts, perPage, wallMs),
      cerSegments: errorRate(segmentCounts),
      peakRssMb: peakRss / 1e6,
      loadMs: engine.loadMs,
    };
  } finally {
    clearInterval(sampler);
    await engine.close();
  }
}

async function runTesseract(receipts: SroieReceipt[], version: string): Promise<EngineRun> {
  const counts: ErrorCount[] = [];
  const anyOrderCounts: ErrorCount[] = [];
  const wordCounts: ErrorCount[] = [];
  const perPage: EngineRun["perPage"] = [];
  let peakRss = 0;
  const started = performance.now();
  for (const receipt of receipts) {
    const page = await readWithTesseract(receipt.imagePath);
    const count = characterErrors(receipt.truth, page.text);
    counts.push(count);
    anyOrderCounts.push(orderFreeCharacterErrors(receipt.truth, page.text));
    wordCounts.push(wordErrors(receipt.truth, page.text));
    perPage.push({ id: receipt.id, errors: count.errors, truthLength: count.referenceLength, ms: page.ms });
    peakRss = Math.max(peakRss, page.peakRssBytes);
  }
  const wallMs = performance.now() - started;
  return {
    ...summarise(`${version} --psm 4`, counts, anyOrderCounts, wordCounts, perPage, wallMs),
    peakRssMb: peakRss / 1e6,
  };
}

function printTable(runs: EngineRun[]): void {
  const baseline = runs.at(-1);
  const percent = (value: number | undefined) => (value == null ? "—" : `${(value * 100).toFixed(1)} %`);
  const rows = [
    [
      "engine",
      "CER (lines)",
      "CER (any order)",
      "CER (segments)",
      "WER",
      "pages/s",
      "ms/page p50",
      "× tesseract time",
      "peak RSS",
    ],
    ...runs.map((run) => [
      run.engine,
      percent(run.cer),
      percent(run.cerAnyOrder),
      percent(run.cerSegments),
      percent(run.wer),
      run.pagesPerSecond.toFixed(2),
      run.msPerPageP50.toFixed(0),
      (baseline ? run.msPerPageP50 / baseline.msPerPageP50 : 1).toFixed(2),
      `${run.peakRssMb.toFixed(0)} MB`,
    ]),
  ];
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  "));
}

const dataset = path.resolve(values.dataset);
const receipts = await loadSroieSample(dataset);
if (receipts.length === 0) throw new Error(`no NNN.jpg + NNN.boxes.csv pairs in ${dataset}`);
const version = await tesseractVersion();
if (version == null) throw new Error("tesseract is not installed: apt-get install -y tesseract-ocr");

const runs = [await runEmbedded(receipts), await runTesseract(receipts, version)];
if (values.json) {
  console.log(JSON.stringify({ dataset, pages: receipts.length, runs }, null, 2));
} else {
  console.log(`${receipts.length} receipts from ${dataset}; embedded model loaded in ${runs[0]?.loadMs} ms`);
  printTable(runs);
  console.log(
    "CER (lines): the recipe, so the reference's box order (top edge, then left) is part of the truth.",
  );
  console.log(
    "CER (any order): each reference line found anywhere in the output (gateway/eval/order-free-cer.ts).",
  );
  console.log("CER (segments): the recipe applied to detected boxes rather than grouped lines (see docs).");
  console.log("× tesseract time: ms/page p50 over tesseract's, measured in this run.");
}
