import { randomBytes } from "node:crypto";
import type { Logger } from "pino";
import { GatewayError } from "../../errors.ts";
import {
  type EndedJob,
  JOB_ENDED_KIND,
  type JobError,
  type JobStore,
  type UnitOutcome,
  type WorkUnit,
} from "../store/job-store.ts";
import type { CapacityGate } from "./capacity-gate.ts";
import { retryDelayMs, shouldRetry } from "./unit-retry.ts";

export interface UnitContext {
  /** Aborted when the lease is lost (job cancelled or deleted, lease stolen) or the worker stops. */
  signal: AbortSignal;
  store: JobStore;
}

/** Runs one unit and says how it ended; a thrown error is a failure (retried when transient). */
export type UnitHandler = (unit: WorkUnit, context: UnitContext) => Promise<UnitOutcome>;

export type JobEndedListener = (job: EndedJob) => Promise<void>;

export interface RegisterOptions {
  /** Units that use the model: they run only within the capacity gate's spare slots. */
  usesModel: boolean;
}

export interface JobWorkerOptions {
  store: JobStore;
  logger: Logger;
  /** How many model slots batch work may use right now (see `CapacityGate`). */
  gate: CapacityGate;
  /** A claimed unit's lease; renewed every third of it while the unit runs. */
  leaseMs: number;
  /** How often to look for work when there was none. */
  pollMs: number;
  /** Claims after which a unit fails for good (its worker died each time, or transient errors persisted). */
  maxAttempts: number;
  /** Units that do not use the model (finalize, job.ended, webhooks) running at once. */
  housekeepingConcurrency?: number;
  /** Called with the number of units of a kind settled, by outcome (for metrics). */
  onSettled?: (kind: string, outcome: UnitOutcome["kind"]) => void;
  now?: () => number;
}

interface Running {
  unit: WorkUnit;
  abort: AbortController;
}

/**
 * The loop that turns queued units into work: claims units of the registered kinds while the capacity gate
 * has spare slots, runs each with its kind's handler, renews leases while they run, and records each outcome
 * (checkpointing the unit). A worker that dies stops renewing; its units are claimed again after the lease.
 */
export class JobWorker {
  readonly id = `w-${randomBytes(6).toString("hex")}`;
  readonly #options: JobWorkerOptions;
  readonly #handlers = new Map<string, { handler: UnitHandler; usesModel: boolean }>();
  readonly #endedListeners: JobEndedListener[] = [];
  readonly #running = new Map<string, Running>();
  #modelUnits = 0;
  #otherUnits = 0;
  #stopped = true;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #storeDown = false;

  constructor(options: JobWorkerOptions) {
    this.#options = options;
    this.register(JOB_ENDED_KIND, (unit) => this.#runEndedListeners(unit), { usesModel: false });
  }

  register(kind: string, handler: UnitHandler, options: RegisterOptions): void {
    this.#handlers.set(kind, { handler, usesModel: options.usesModel });
  }

  /** Runs after a job reached a terminal state, at least once per job (again if the listener throws). */
  onJobEnded(listener: JobEndedListener): void {
    this.#endedListeners.push(listener);
  }

  /** Units of the model-using kinds this worker is running now. */
  get modelUnitsInFlight(): number {
    return this.#modelUnits;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    // Renewing also tells a worker soon that a job was cancelled, so the interval is short whatever the lease.
    const renewEveryMs = Math.max(50, Math.min(2_000, this.#options.leaseMs / 3));
    this.#heartbeat = setInterval(() => void this.#renew(), renewEveryMs);
    this.#heartbeat.unref();
    this.#loop = this.#run();
  }

  /** Looks for work now instead of at the next poll (e.g. right after a job was created). */
  poke(): void {
    this.#wake?.();
  }

  /** Stops claiming, aborts running units and gives them back to the queue. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#heartbeat);
    this.#wake?.();
    for (const running of this.#running.values()) running.abort.abort(new Error("worker stopping"));
    await this.#loop;
    const deadline = Date.now() + 5_000;
    while (this.#running.size > 0 && Date.now() < deadline) await sleep(20);
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }

  async #run(): Promise<void> {
    const housekeeping = this.#options.housekeepingConcurrency ?? 4;
    while (!this.#stopped) {
      let claimed = 0;
      try {
        const modelKinds = [...this.#handlers].filter(([, entry]) => entry.usesModel).map(([kind]) => kind);
        const otherKinds = [...this.#handlers].filter(([, entry]) => !entry.usesModel).map(([kind]) => kind);
        const modelRoom = this.#options.gate.spare(this.#modelUnits);
        claimed += await this.#claim(modelKinds, modelRoom);
        claimed += await this.#claim(otherKinds, housekeeping - this.#otherUnits);
        if (this.#storeDown) this.#options.logger.info("job store reachable again");
        this.#storeDown = false;
      } catch (error) {
        if (!this.#storeDown)
          this.#options.logger.warn({ err: describe(error) }, "job store unreachable; retrying");
        this.#storeDown = true;
      }
      if (claimed === 0 && !this.#stopped)
        await this.#sleep(this.#storeDown ? this.#options.pollMs * 4 : this.#options.pollMs);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }

  async #claim(kinds: string[], room: number): Promise<number> {
    if (kinds.length === 0 || room <= 0) return 0;
    const units = await this.#options.store.claimUnits({
      workerId: this.id,
      kinds,
      limit: room,
      leaseMs: this.#options.leaseMs,
      now: this.#now(),
    });
    for (const unit of units) void this.#execute(unit);
    return units.length;
  }

  async #execute(unit: WorkUnit): Promise<void> {
    const entry = this.#handlers.get(unit.kind);
    if (!entry) return;
    const abort = new AbortController();
    this.#running.set(unit.id, { unit, abort });
    if (entry.usesModel) this.#modelUnits++;
    else this.#otherUnits++;
    try {
      const outcome = await this.#outcome(unit, entry.handler, abort.signal);
      if (outcome && !abort.signal.aborted) await this.#settle(unit, outcome);
      else if (this.#stopped)
        await this.#settle(unit, { kind: "retry", availableAt: this.#now(), error: stopping });
    } finally {
      this.#running.delete(unit.id);
      if (entry.usesModel) this.#modelUnits--;
      else this.#otherUnits--;
      this.#wake?.();
    }
  }

  async #outcome(
    unit: WorkUnit,
    handler: UnitHandler,
    signal: AbortSignal,
  ): Promise<UnitOutcome | undefined> {
    if (unit.attempts > this.#options.maxAttempts) {
      return {
        kind: "failed",
        error: { code: "too_many_attempts", message: `Gave up after ${unit.attempts - 1} attempts.` },
      };
    }
    try {
      return await handler(unit, { signal, store: this.#options.store });
    } catch (error) {
      if (signal.aborted) return undefined;
      const failure = toJobError(error);
      if (shouldRetry(error) && unit.attempts < this.#options.maxAttempts) {
        return { kind: "retry", availableAt: this.#now() + retryDelayMs(unit.attempts), error: failure };
      }
      if (!(error instanceof GatewayError))
        this.#options.logger.error({ err: describe(error), kind: unit.kind }, "job unit failed");
      return { kind: "failed", error: failure };
    }
  }

  /** Records the outcome, retrying while the store is down (until the lease would have expired anyway). */
  async #settle(unit: WorkUnit, outcome: UnitOutcome): Promise<void> {
    const deadline = this.#now() + this.#options.leaseMs;
    for (;;) {
      try {
        await this.#options.store.settleUnit(this.id, unit, outcome);
        this.#options.onSettled?.(unit.kind, outcome.kind);
        return;
      } catch (error) {
        if (this.#now() > deadline) {
          this.#options.logger.warn(
            { err: describe(error), kind: unit.kind },
            "could not record a unit; it will run again",
          );
          return;
        }
        await sleep(Math.min(1_000, this.#options.leaseMs / 4));
      }
    }
  }

  async #renew(): Promise<void> {
    const ids = [...this.#running.keys()];
    if (ids.length === 0) return;
    try {
      const lost = await this.#options.store.renewLeases(this.id, ids, this.#options.leaseMs, this.#now());
      for (const id of lost) this.#running.get(id)?.abort.abort(new Error("lease lost"));
    } catch {
      // The store is down: the units keep running; settling retries until their lease would have run out.
    }
  }

  async #runEndedListeners(unit: WorkUnit): Promise<UnitOutcome> {
    for (const listener of this.#endedListeners) await listener(unit.payload as EndedJob);
    return { kind: "done", result: null };
  }
}

const stopping: JobError = {
  code: "worker_stopping",
  message: "The worker stopped before the unit finished.",
};

function toJobError(error: unknown): JobError {
  if (error instanceof GatewayError) return { code: error.code, message: error.message };
  return { code: "internal_error", message: "Internal error" };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
