export interface AdaptiveLimitOptions {
  /** Pages in flight to start with (the upstream's capacity, or `--concurrency`). */
  initial: number;
  /** Never grow past this. */
  max: number;
  /** false (`--concurrency N`): the limit stays put; overload still pauses admissions. */
  adaptive: boolean;
}

/** What an admitted document reports when it ends. */
export interface PermitOutcome {
  /** Pages the document had, and how long reading them took (ms); omit both on failure. */
  pages?: number;
  elapsedMs?: number;
}

export interface Permit {
  weight: number;
  release(outcome?: PermitOutcome): void;
}

interface Waiter {
  weight: number;
  grant: (permit: Permit) => void;
}

/** Growth stops once latency is this much above the best seen: the upstream has started queueing. */
const FLAT_LATENCY = 1.3;
/** Latency this far above the best seen shrinks the limit a little (queueing that 429s have not signalled). */
const CONGESTED_LATENCY = 2.5;
const DECREASE_FACTOR = 0.7;

/**
 * Admits documents weighted by the pages they put in flight, under a limit that adapts like TCP's AIMD: it
 * grows by about one page per window of completions while latency stays flat and the limit is in use, and
 * is cut multiplicatively on overload (429/503), when admissions also pause for the `retry-after`. FIFO,
 * so a long PDF is not starved by single pages; a document heavier than the limit runs alone.
 */
export class AdaptiveLimit {
  private current: number;
  private inFlight = 0;
  private readonly waiters: Waiter[] = [];
  private pausedUntil = 0;
  private pauseTimer: NodeJS.Timeout | undefined;
  private bestRoundMs = Number.POSITIVE_INFINITY;
  private recentRoundMs: number | undefined;
  private lastDecrease = 0;

  constructor(private readonly options: AdaptiveLimitOptions) {
    this.current = Math.max(1, Math.min(options.initial, options.max));
  }

  get limit(): number {
    return this.current;
  }

  get pagesInFlight(): number {
    return this.inFlight;
  }

  /** Waits for room for `pages` pages (capped at the limit); rejects when `signal` aborts first. */
  acquire(pages: number, signal?: AbortSignal): Promise<Permit> {
    const weight = Math.max(1, Math.min(Math.ceil(pages), Math.floor(this.current)));
    return new Promise<Permit>((resolve, reject) => {
      signal?.throwIfAborted();
      const waiter: Waiter = { weight, grant: resolve };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason);
      };
      waiter.grant = (permit) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(permit);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
      this.drain();
    });
  }

  /** The upstream said it is overloaded: cut the limit (once per round) and pause for `retryAfterMs`. */
  overloaded(retryAfterMs?: number): void {
    const now = Date.now();
    if (this.options.adaptive && now - this.lastDecrease > (this.recentRoundMs ?? 1000)) {
      this.current = Math.max(1, this.current * DECREASE_FACTOR);
      this.lastDecrease = now;
    }
    if (retryAfterMs != null && retryAfterMs > 0) {
      this.pausedUntil = Math.max(this.pausedUntil, now + retryAfterMs);
    }
  }

  private release(weight: number, outcome: PermitOutcome): void {
    // Grow only a limit that binds: with documents waiting, or every admitted page slot taken.
    const wasFull = this.waiters.length > 0 || this.inFlight >= Math.floor(this.current);
    this.inFlight -= weight;
    if (this.options.adaptive && outcome.pages != null && outcome.elapsedMs != null) {
      // Latency per round of `weight` pages read together: comparable across documents of any length.
      const rounds = Math.max(1, Math.ceil(outcome.pages / weight));
      this.adapt(weight, outcome.elapsedMs / rounds, wasFull);
    }
    this.drain();
  }

  private adapt(weight: number, roundMs: number, wasFull: boolean): void {
    this.recentRoundMs =
      this.recentRoundMs === undefined ? roundMs : 0.8 * this.recentRoundMs + 0.2 * roundMs;
    // The best latency drifts up slowly, so a permanently slower upstream does not freeze the limit.
    this.bestRoundMs = Math.min(this.bestRoundMs * 1.002, this.recentRoundMs);
    if (this.recentRoundMs <= this.bestRoundMs * FLAT_LATENCY) {
      if (wasFull) this.current = Math.min(this.options.max, this.current + weight / this.current);
    } else if (this.recentRoundMs > this.bestRoundMs * CONGESTED_LATENCY) {
      this.current = Math.max(1, this.current - weight / this.current);
    }
  }

  private drain(): void {
    const now = Date.now();
    if (now < this.pausedUntil) {
      if (!this.pauseTimer) {
        this.pauseTimer = setTimeout(() => {
          this.pauseTimer = undefined;
          this.drain();
        }, this.pausedUntil - now);
      }
      return;
    }
    for (;;) {
      const head = this.waiters[0];
      if (!head) return;
      const weight = Math.min(head.weight, Math.max(1, Math.floor(this.current)));
      if (this.inFlight > 0 && this.inFlight + weight > this.current) return;
      this.waiters.shift();
      this.inFlight += weight;
      let released = false;
      head.grant({
        weight,
        release: (outcome = {}) => {
          if (released) return;
          released = true;
          this.release(weight, outcome);
        },
      });
    }
  }
}
