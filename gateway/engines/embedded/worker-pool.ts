import type { Worker } from "node:worker_threads";
import { BadRequestError, InternalError, RateLimitError, ServiceUnavailableError } from "../../errors.ts";
import { threadWorker } from "../../workers/pool-worker.ts";
import { WorkerPool } from "../../workers/worker-pool.ts";
import { EngineUnavailableError } from "../engine-errors.ts";
import type { RecognizeFailure, RecognizeRequest } from "./worker-protocol.ts";

export interface RecognitionPoolOptions {
  /** Number of worker threads, each holding its own model. */
  size: number;
  /** Jobs allowed to wait for a free worker; one more is refused with 429. */
  maxQueue: number;
  /** Starts one worker speaking the protocol of `worker-protocol.ts`. */
  spawn: () => Worker;
}

/** The embedded engine's side of the shared worker pool: one image in, one recognition result out. */
export interface RecognitionPool<T> {
  /** Runs one job; rejects with 429 `engine_busy` when the queue is full, or with `signal.reason` on abort. */
  run(image: Uint8Array, signal?: AbortSignal): Promise<T>;
  stats(): { busy: number; queued: number; workers: number };
  /** Terminates every worker; waiting and running jobs fail with 503 `engine_closed`. */
  close(): Promise<void>;
}

/**
 * Starts the embedded engine's worker threads on the shared `WorkerPool` and resolves once every one has loaded
 * its model, with the slowest load time. Jobs wait in a bounded FIFO queue (429 `engine_busy` beyond it); a
 * worker that dies fails its job with 500 `engine_worker_crashed` and is replaced; an aborted running job is
 * abandoned (the worker finishes the page, which costs less than reloading a model). Rejects with
 * `EngineUnavailableError` (and stops the others) when a worker cannot load.
 */
export async function startRecognitionPool<T>(
  options: RecognitionPoolOptions,
): Promise<{ pool: RecognitionPool<T>; loadMs: number }> {
  const { pool, loadMs } = await WorkerPool.start<T, RecognizeFailure>({
    size: options.size,
    maxQueue: options.maxQueue,
    spawn: () => threadWorker(options.spawn()),
    errors: {
      busy: (retryAfter) =>
        new RateLimitError("engine_busy", "The OCR engine is busy; retry later", {
          headers: { "retry-after": String(retryAfter) },
        }),
      closed: () => new ServiceUnavailableError("engine_closed", "The engine is shut down"),
      crashed: (detail) => new InternalError("engine_worker_crashed", `OCR worker stopped: ${detail}`),
      failed: (failure) =>
        failure.reason === "invalid-image"
          ? new BadRequestError("invalid_image", "The image could not be decoded", { param: "image" })
          : new InternalError("engine_failed", failure.message),
      loadFailed: loadError,
    },
  });
  return {
    loadMs,
    pool: {
      run: (image, signal) =>
        pool.run({
          signal,
          // A private copy is transferred: the caller keeps its buffer, and a view into a larger buffer (a Buffer
          // from Node's pool) would otherwise be cloned whole. `new Uint8Array(view)` copies; `slice` would not.
          message: () => {
            const copy = new Uint8Array(image);
            return {
              body: { image: copy } satisfies Omit<RecognizeRequest, "jobId">,
              transfer: [copy.buffer],
            };
          },
        }),
      stats: () => {
        const { busy, queued, workers } = pool.stats();
        return { busy, queued, workers };
      },
      close: () => pool.close(),
    },
  };
}

function loadError(detail: string, missingModule: boolean): EngineUnavailableError {
  if (missingModule) {
    return new EngineUnavailableError(
      "The embedded engine's packages are not installed; set VLLM_URL or install without --omit=optional",
      { cause: new Error(detail) },
    );
  }
  return new EngineUnavailableError(`The embedded OCR engine failed to load: ${detail}`);
}
