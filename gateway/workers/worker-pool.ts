import type { Transferable } from "node:worker_threads";
import type { PoolWorker } from "./pool-worker.ts";
import { RoundRobinQueue } from "./round-robin-queue.ts";
import { isMissingModule, type WorkerMessage } from "./worker-messages.ts";

/** The errors a pool's callers see; each pool names them in its own words (and status codes). */
export interface WorkerPoolErrors<F> {
  /** The queue is full. */
  busy(retryAfterSeconds: number): Error;
  /** The pool was closed before or while the task ran. */
  closed(): Error;
  /** The worker died under the task for a reason of its own (`detail`: exit code or signal). */
  crashed(detail: string): Error;
  /** The worker answered the task with a failure. */
  failed(failure: F): Error;
  /** A worker could not start. */
  loadFailed(detail: string, missingModule: boolean): Error;
}

export interface WorkerPoolOptions<F> {
  /** Number of workers, each running one task at a time. */
  size: number;
  /** Tasks allowed to wait for a worker; one more is refused with `errors.busy`. Default unbounded. */
  maxQueue?: number;
  /** Tasks of one group (e.g. one document) may occupy at most this many workers at once. Default `size`. */
  maxWorkersPerGroup?: number;
  /** A worker whose resident memory passes this while it runs a task is killed; the task gets `memoryError`. */
  maxResidentBytes?: number;
  /** Starts one worker speaking the protocol of `worker-messages.ts`. */
  spawn: () => PoolWorker;
  /** `start` resolves once every worker is ready (default), or once the first is (the others join later). */
  readyWhen?: "all" | "first";
  errors: WorkerPoolErrors<F>;
}

export interface PoolTask {
  /** The message for the worker that will run the task (so it can depend on what that worker already holds). */
  message(workerId: number): { body: object; transfer?: readonly Transferable[] };
  /** Tasks of a group take turns with other groups' tasks. Default: a group of its own (plain FIFO). */
  group?: unknown;
  signal?: AbortSignal | undefined;
  /** A label for `abortTagged`, for callers that abort many tasks with one listener rather than a signal each. */
  tag?: unknown;
  /**
   * What an abort does to a running task: `"terminate"` kills its worker (a fresh one replaces it), `"abandon"`
   * (default) lets the worker finish and drops the result. A queued task is dropped either way.
   */
  abortRunning?: "terminate" | "abandon";
  /** Kills the worker when the task runs longer than this; the task fails with `timeoutError()`. */
  timeoutMs?: number;
  timeoutError?: () => Error;
  /** The error when the worker passed `maxResidentBytes` during this task. Default `errors.crashed`. */
  memoryError?: () => Error;
}

interface Job {
  task: PoolTask;
  group: unknown;
  resolve(result: unknown): void;
  reject(error: unknown): void;
  onAbort: () => void;
  /** Set once the caller has its answer (or gave up): later results are dropped. */
  settled: boolean;
}

interface Slot {
  id: number;
  worker: PoolWorker;
  ready: boolean;
  running: { job: Job; jobId: number; started: number; timer?: NodeJS.Timeout } | null;
}

/** The first task-duration guess for `retry-after`, before any task finished. */
const INITIAL_TASK_MS = 2000;
const MEMORY_CHECK_MS = 100;

/**
 * A fixed set of workers (threads or processes), one task each at a time, fed from a queue that serves groups in
 * turn. A worker that dies is replaced and its task fails with `errors.crashed`; one that overruns its task's
 * deadline or memory bound, or whose task is aborted with `abortRunning: "terminate"`, is killed and replaced.
 * `close` returns once every worker is gone: at once for processes (SIGKILL); a thread inside a native call
 * only when the call returns, which is why work that can run away belongs in processes.
 */
export class WorkerPool<R = unknown, F extends object = { message: string }> {
  readonly #options: WorkerPoolOptions<F>;
  readonly #slots = new Set<Slot>();
  readonly #queue = new RoundRobinQueue<Job>();
  readonly #runningPerGroup = new Map<unknown, number>();
  #nextSlotId = 1;
  #nextJobId = 1;
  #averageTaskMs = INITIAL_TASK_MS;
  #memoryTimer: NodeJS.Timeout | undefined;
  #replaced = 0;
  #closed = false;

  private constructor(options: WorkerPoolOptions<F>) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new RangeError(`size must be a positive integer, got ${options.size}`);
    this.#options = options;
  }

  /**
   * Starts `size` workers and resolves once every one is ready (or the first, see `readyWhen`), with the slowest
   * load time waited for. Rejects with `errors.loadFailed` (and stops the others) when a worker cannot start.
   */
  static async start<R, F extends object = { message: string }>(
    options: WorkerPoolOptions<F>,
  ): Promise<{ pool: WorkerPool<R, F>; loadMs: number }> {
    const pool = new WorkerPool<R, F>(options);
    try {
      const loads = Array.from({ length: options.size }, () => pool.#addSlot());
      if (options.readyWhen === "first") {
        for (const load of loads) load.catch(() => undefined);
        return { pool, loadMs: await Promise.any(loads).catch(() => loads[0] as Promise<number>) };
      }
      return { pool, loadMs: Math.max(...(await Promise.all(loads))) };
    } catch (error) {
      await pool.close();
      throw error;
    }
  }

  /** Runs one task; rejects with `errors.busy` when the queue is full, with `signal.reason` on abort. */
  run(task: PoolTask): Promise<R> {
    if (this.#closed) return Promise.reject(this.#options.errors.closed());
    if (task.signal?.aborted) return Promise.reject(task.signal.reason);
    if (this.#queue.size >= (this.#options.maxQueue ?? Number.POSITIVE_INFINITY)) {
      const waitMs = ((this.#queue.size + 1) * this.#averageTaskMs) / Math.max(1, this.#slots.size);
      return Promise.reject(this.#options.errors.busy(Math.max(1, Math.ceil(waitMs / 1000))));
    }
    return new Promise<R>((resolve, reject) => {
      const job: Job = {
        task,
        group: task.group ?? {},
        resolve: resolve as (result: unknown) => void,
        reject,
        onAbort: () => this.#abort(job, task.signal?.reason),
        settled: false,
      };
      task.signal?.addEventListener("abort", job.onAbort, { once: true });
      this.#queue.push(job.group, job);
      this.#dispatch();
    });
  }

  /** Aborts every queued or running task tagged `tag`, as an abort of its signal would. */
  abortTagged(tag: unknown, reason: unknown): void {
    const running = [...this.#slots].flatMap(({ running }) =>
      running !== null && running.job.task.tag === tag ? [running.job] : [],
    );
    for (const job of [...this.#queue.removeWhere((job) => job.task.tag === tag), ...running])
      this.#abort(job, reason);
  }

  /** Sends a message that expects no answer to the workers in `workerIds` that are still alive. */
  notify(workerIds: Iterable<number>, body: object): void {
    const wanted = new Set(workerIds);
    for (const slot of this.#slots) if (wanted.has(slot.id)) slot.worker.send(body);
  }

  /** Workers busy, tasks queued, workers alive, workers replaced (crashed, killed on deadline, abort or memory). */
  stats(): { busy: number; queued: number; workers: number; replaced: number } {
    let busy = 0;
    for (const slot of this.#slots) if (slot.running !== null) busy++;
    return { busy, queued: this.#queue.size, workers: this.#slots.size, replaced: this.#replaced };
  }

  /** Kills every worker and waits for them to exit; waiting and running tasks fail with `errors.closed`. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#memoryTimer);
    const closed = this.#options.errors.closed();
    for (const job of this.#queue.drain()) this.#settle(job, () => job.reject(closed));
    const slots = [...this.#slots];
    this.#slots.clear();
    for (const slot of slots) {
      const job = slot.running?.job;
      clearTimeout(slot.running?.timer);
      if (job) this.#settle(job, () => job.reject(closed));
    }
    // Waiting matters for threads: a process exiting while one is torn down can abort in native code.
    await Promise.all(slots.map((slot) => slot.worker.kill()));
  }

  #addSlot(): Promise<number> {
    const slot: Slot = { id: this.#nextSlotId++, worker: this.#options.spawn(), ready: false, running: null };
    this.#slots.add(slot);
    return new Promise<number>((resolve, reject) => {
      slot.worker.onMessage((raw) => {
        const message = raw as WorkerMessage<R, F>;
        if (message.type === "ready") {
          slot.ready = true;
          resolve(message.loadMs);
          this.#dispatch();
        } else if (message.type === "load-failed") {
          this.#slots.delete(slot);
          void slot.worker.kill();
          reject(this.#options.errors.loadFailed(message.message, message.missingModule));
        } else {
          this.#finish(slot, message);
        }
      });
      slot.worker.onExit((detail, error) => {
        if (!this.#slots.delete(slot)) return;
        if (!slot.ready) {
          const reason = error instanceof Error ? error.message : detail;
          reject(
            this.#options.errors.loadFailed(`worker died while loading: ${reason}`, isMissingModule(error)),
          );
          return;
        }
        this.#replace(slot, this.#options.errors.crashed(detail));
      });
    });
  }

  /** Fails the slot's task (if any) with `error`, kills the worker and starts another in its place. */
  #replace(slot: Slot, error: unknown): void {
    this.#slots.delete(slot);
    this.#replaced++;
    void slot.worker.kill();
    const running = slot.running;
    if (running !== null) {
      slot.running = null;
      clearTimeout(running.timer);
      this.#release(running.job);
      this.#settle(running.job, () => running.job.reject(error));
    }
    if (this.#closed) return;
    this.#addSlot().catch(() => {
      if (this.#slots.size > 0) return;
      const unavailable = this.#options.errors.crashed("no worker could be restarted");
      for (const job of this.#queue.drain()) this.#settle(job, () => job.reject(unavailable));
    });
  }

  #finish(
    slot: Slot,
    message: { type: "result"; jobId: number; result: R } | ({ type: "failed"; jobId: number } & F),
  ): void {
    const running = slot.running;
    if (running === null || running.jobId !== message.jobId) return;
    slot.running = null;
    clearTimeout(running.timer);
    this.#release(running.job);
    const { job } = running;
    if (message.type === "result") {
      this.#averageTaskMs = 0.8 * this.#averageTaskMs + 0.2 * (performance.now() - running.started);
      this.#settle(job, () => job.resolve(message.result));
    } else {
      const { type: _type, jobId: _jobId, ...failure } = message;
      this.#settle(job, () => job.reject(this.#options.errors.failed(failure as unknown as F)));
    }
    this.#dispatch();
  }

  #dispatch(): void {
    const perGroup = this.#options.maxWorkersPerGroup ?? this.#options.size;
    for (const slot of this.#slots) {
      if (!slot.ready || slot.running !== null) continue;
      const job = this.#queue.take((group) => (this.#runningPerGroup.get(group) ?? 0) < perGroup);
      if (job === undefined) return;
      this.#runningPerGroup.set(job.group, (this.#runningPerGroup.get(job.group) ?? 0) + 1);
      const jobId = this.#nextJobId++;
      const running: NonNullable<Slot["running"]> = { job, jobId, started: performance.now() };
      slot.running = running;
      const { timeoutMs, timeoutError } = job.task;
      if (timeoutMs !== undefined) {
        running.timer = setTimeout(() => {
          if (slot.running === running)
            this.#replace(slot, timeoutError?.() ?? this.#options.errors.crashed("deadline passed"));
        }, timeoutMs);
      }
      const { body, transfer } = job.task.message(slot.id);
      slot.worker.send({ ...body, jobId }, transfer);
    }
    this.#watchMemory();
  }

  /** Polls the resident memory of busy workers while any runs, when the pool has a memory bound. */
  #watchMemory(): void {
    const limit = this.#options.maxResidentBytes;
    if (limit === undefined || this.#memoryTimer !== undefined) return;
    this.#memoryTimer = setInterval(() => {
      let busy = 0;
      for (const slot of this.#slots) {
        const running = slot.running;
        if (running === null) continue;
        busy++;
        if ((slot.worker.residentBytes?.() ?? 0) > limit) {
          this.#replace(
            slot,
            running.job.task.memoryError?.() ?? this.#options.errors.crashed("memory limit"),
          );
        }
      }
      if (busy === 0) {
        clearInterval(this.#memoryTimer);
        this.#memoryTimer = undefined;
      }
    }, MEMORY_CHECK_MS);
    this.#memoryTimer.unref();
  }

  #abort(job: Job, reason: unknown): void {
    if (this.#queue.remove(job.group, job)) {
      this.#settle(job, () => job.reject(reason));
      return;
    }
    if (job.task.abortRunning === "terminate") {
      for (const slot of this.#slots) if (slot.running?.job === job) this.#replace(slot, reason);
    }
    this.#settle(job, () => job.reject(reason));
  }

  #release(job: Job): void {
    const count = (this.#runningPerGroup.get(job.group) ?? 1) - 1;
    if (count > 0) this.#runningPerGroup.set(job.group, count);
    else {
      this.#runningPerGroup.delete(job.group);
      this.#queue.forget(job.group);
    }
  }

  /** Runs `settle` unless the caller already has its answer, and detaches the abort listener. */
  #settle(job: Job, settle: () => void): void {
    job.task.signal?.removeEventListener("abort", job.onAbort);
    if (job.settled) return;
    job.settled = true;
    settle();
  }
}
