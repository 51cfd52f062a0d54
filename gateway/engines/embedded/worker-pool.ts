import type { Worker } from "node:worker_threads";
import { BadRequestError, InternalError, RateLimitError, ServiceUnavailableError } from "../../errors.ts";
import { EngineUnavailableError } from "../engine-errors.ts";
import { isMissingModule, type RecognizeRequest, type WorkerMessage } from "./worker-protocol.ts";

export interface WorkerPoolOptions {
  /** Number of worker threads, each holding its own model. */
  size: number;
  /** Jobs allowed to wait for a free worker; one more is refused with 429. */
  maxQueue: number;
  /** Starts one worker speaking the protocol of `worker-protocol.ts`. */
  spawn: () => Worker;
}

interface Job<T> {
  image: Uint8Array;
  resolve: (result: T) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  /** Set when the caller gave up while the job ran: the result is dropped. */
  abandoned: boolean;
}

interface Slot<T> {
  worker: Worker;
  ready: boolean;
  /** The uncaught error that killed the worker, if any ('exit' follows it). */
  fatalError?: unknown;
  job: (Job<T> & { jobId: number }) | null;
}

/** The first job-duration guess for `retry-after`, before any job finished. */
const INITIAL_JOB_MS = 2000;

/**
 * A fixed set of worker threads, one job each at a time, with a bounded FIFO queue. A worker that dies fails its
 * job with a 500 and is replaced; an aborted job is dropped from the queue or, if running, abandoned (the worker
 * finishes it, the result is discarded).
 */
export class WorkerPool<T> {
  readonly #options: WorkerPoolOptions;
  readonly #slots = new Set<Slot<T>>();
  readonly #queue: Job<T>[] = [];
  #nextJobId = 1;
  #averageJobMs = INITIAL_JOB_MS;
  #closed = false;

  private constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /**
   * Starts `size` workers and resolves once every one has loaded, with the slowest load time. Rejects with
   * `EngineUnavailableError` (and stops the others) when a worker cannot load.
   */
  static async start<T>(options: WorkerPoolOptions): Promise<{ pool: WorkerPool<T>; loadMs: number }> {
    const pool = new WorkerPool<T>(options);
    try {
      const loadTimes = await Promise.all(Array.from({ length: options.size }, () => pool.#addSlot()));
      return { pool, loadMs: Math.max(...loadTimes) };
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** Runs one job; rejects with 429 `engine_busy` when the queue is full, or with `signal.reason` on abort. */
  run(image: Uint8Array, signal?: AbortSignal): Promise<T> {
    if (this.#closed)
      return Promise.reject(new ServiceUnavailableError("engine_closed", "The engine is shut down"));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length >= this.#options.maxQueue) {
      const waitMs = ((this.#queue.length + 1) * this.#averageJobMs) / Math.max(1, this.#slots.size);
      const retryAfter = String(Math.max(1, Math.ceil(waitMs / 1000)));
      return Promise.reject(
        new RateLimitError("engine_busy", "The OCR engine is busy; retry later", {
          headers: { "retry-after": retryAfter },
        }),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job<T> = {
        image,
        resolve,
        reject,
        signal,
        onAbort: () => this.#abort(job),
        abandoned: false,
      };
      signal?.addEventListener("abort", job.onAbort, { once: true });
      this.#queue.push(job);
      this.#dispatch();
    });
  }

  stats(): { busy: number; queued: number; workers: number } {
    let busy = 0;
    for (const slot of this.#slots) if (slot.job !== null) busy++;
    return { busy, queued: this.#queue.length, workers: this.#slots.size };
  }

  /** Terminates every worker; waiting and running jobs fail with 503 `engine_closed`. */
  async close(): Promise<void> {
    this.#closed = true;
    const closedError = new ServiceUnavailableError("engine_closed", "The engine is shut down");
    for (const job of this.#queue.splice(0)) this.#settle(job, () => job.reject(closedError));
    const slots = [...this.#slots];
    this.#slots.clear();
    for (const slot of slots)
      if (slot.job !== null) this.#settle(slot.job, () => slot.job?.reject(closedError));
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  #addSlot(): Promise<number> {
    const slot: Slot<T> = { worker: this.#options.spawn(), ready: false, job: null };
    this.#slots.add(slot);
    return new Promise<number>((resolve, reject) => {
      slot.worker.on("message", (message: WorkerMessage<T>) => {
        if (message.type === "ready") {
          slot.ready = true;
          resolve(message.loadMs);
          this.#dispatch();
        } else if (message.type === "load-failed") {
          this.#slots.delete(slot);
          void slot.worker.terminate();
          reject(loadError(message.message, message.missingModule));
        } else {
          this.#finish(slot, message);
        }
      });
      // 'exit' follows 'error' too; handling it alone covers crashes, process.exit and OOM kills.
      slot.worker.on("error", (error) => {
        slot.fatalError = error;
      });
      slot.worker.on("exit", (code) => {
        if (!this.#slots.delete(slot)) return;
        if (!slot.ready) {
          const detail = slot.fatalError instanceof Error ? slot.fatalError.message : `exit code ${code}`;
          reject(loadError(`worker died while loading: ${detail}`, isMissingModule(slot.fatalError)));
          return;
        }
        this.#replaceCrashed(slot, code);
      });
    });
  }

  #replaceCrashed(slot: Slot<T>, exitCode: number): void {
    const job = slot.job;
    if (job !== null) {
      const error = new InternalError("engine_worker_crashed", `OCR worker exited with code ${exitCode}`);
      this.#settle(job, () => job.reject(error));
    }
    if (this.#closed) return;
    this.#addSlot().catch(() => {
      if (this.#slots.size > 0) return;
      const error = new ServiceUnavailableError("engine_unavailable", "No OCR worker could be restarted");
      for (const queued of this.#queue.splice(0)) this.#settle(queued, () => queued.reject(error));
    });
  }

  #finish(slot: Slot<T>, message: Exclude<WorkerMessage<T>, { type: "ready" | "load-failed" }>): void {
    const job = slot.job;
    if (job === null || job.jobId !== message.jobId) return;
    slot.job = null;
    if (message.type === "result") {
      this.#averageJobMs = 0.8 * this.#averageJobMs + 0.2 * jobDurationMs(message.result);
      this.#settle(job, () => job.resolve(message.result));
    } else {
      const error =
        message.reason === "invalid-image"
          ? new BadRequestError("invalid_image", "The image could not be decoded", { param: "image" })
          : new InternalError("engine_failed", message.message);
      this.#settle(job, () => job.reject(error));
    }
    this.#dispatch();
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (!slot.ready || slot.job !== null) continue;
      const job = this.#queue.shift();
      if (job === undefined) return;
      const jobId = this.#nextJobId++;
      slot.job = Object.assign(job, { jobId });
      // A private copy is transferred: the caller keeps its buffer, and a view into a larger buffer (a Buffer from
      // Node's pool) would otherwise be cloned whole. `new Uint8Array(view)` copies; `Buffer#slice` would not.
      const image = new Uint8Array(job.image);
      const request: RecognizeRequest = { jobId, image };
      slot.worker.postMessage(request, [image.buffer]);
    }
  }

  #abort(job: Job<T>): void {
    const queuedAt = this.#queue.indexOf(job);
    if (queuedAt >= 0) this.#queue.splice(queuedAt, 1);
    job.abandoned = true;
    job.reject(job.signal?.reason);
  }

  /** Runs `settle` unless the caller already gave up, and detaches the abort listener. */
  #settle(job: Job<T>, settle: () => void): void {
    job.signal?.removeEventListener("abort", job.onAbort);
    if (!job.abandoned) settle();
  }
}

function jobDurationMs(result: unknown): number {
  const duration = (result as { durationMs?: unknown }).durationMs;
  return typeof duration === "number" ? duration : INITIAL_JOB_MS;
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
