import { RateLimitError, ServiceUnavailableError } from "../errors.ts";

export interface ReplicaPoolOptions {
  urls: readonly string[];
  /** Concurrent requests per replica (vLLM's `--max-num-seqs` is the natural value). */
  maxConcurrentPerReplica: number;
  /** Requests that may wait for a free slot; one more is refused with 429. */
  maxQueue: number;
  /** Longest wait in the queue before a 503. */
  queueTimeoutMs: number;
  /** Consecutive failures after which a replica is taken out of rotation. */
  ejectAfterFailures: number;
  /** How long an ejected replica stays out before one trial request is let through. */
  ejectionCooldownMs: number;
  observer?: ReplicaPoolObserver;
}

export interface ReplicaPoolObserver {
  queueDepth?(depth: number): void;
  rejected?(): void;
  health?(replica: string, healthy: boolean): void;
}

export interface Replica {
  readonly url: string;
  inFlight: number;
  consecutiveFailures: number;
  /** Out of rotation until this time (ms since epoch); 0 = in rotation. */
  ejectedUntil: number;
  /** Last active health check said it is down. */
  down: boolean;
}

export type ReleaseOutcome = "ok" | "failed" | "dead" | "neutral";

interface Waiter {
  resolve(replica: Replica): void;
  reject(error: unknown): void;
  exclude: ReadonlySet<string>;
}

/**
 * The set of vLLM replicas the gateway balances over: least-outstanding-requests choice among replicas in
 * rotation, a concurrency cap per replica with a bounded FIFO wait queue (429 when full), passive ejection
 * after consecutive failures with a cool-down, and re-admission by active health checks or a trial request.
 */
export class ReplicaPool {
  readonly replicas: Replica[];
  readonly #queue: Waiter[] = [];

  constructor(private readonly options: ReplicaPoolOptions) {
    this.replicas = options.urls.map((url) => ({
      url,
      inFlight: 0,
      consecutiveFailures: 0,
      ejectedUntil: 0,
      down: false,
    }));
    for (const replica of this.replicas) options.observer?.health?.(replica.url, true);
  }

  get queued(): number {
    return this.#queue.length;
  }

  #usable(replica: Replica, now: number, exclude: ReadonlySet<string>): boolean {
    return !replica.down && replica.ejectedUntil <= now && !exclude.has(replica.url);
  }

  /**
   * The least-loaded replica with a free slot among those in rotation. When none is in rotation at all
   * ("panic mode", as in Envoy), every replica is a candidate again: refusing all traffic because every
   * replica failed recently would turn a blip into an outage.
   */
  #pick(exclude: ReadonlySet<string>): Replica | undefined {
    const now = Date.now();
    const panic = !this.replicas.some((replica) => this.#usable(replica, now, exclude));
    let best: Replica | undefined;
    for (const replica of this.replicas) {
      if (replica.inFlight >= this.options.maxConcurrentPerReplica) continue;
      if (panic ? exclude.has(replica.url) : !this.#usable(replica, now, exclude)) continue;
      if (!best || replica.inFlight < best.inFlight) best = replica;
    }
    return best;
  }

  /** Replicas in rotation (healthy and not ejected), and calls running on all replicas. */
  load(): { available: number; inFlight: number } {
    const now = Date.now();
    let available = 0;
    let inFlight = 0;
    for (const replica of this.replicas) {
      if (this.#usable(replica, now, new Set())) available++;
      inFlight += replica.inFlight;
    }
    return { available, inFlight };
  }

  /** True when some replica is in rotation (healthy and not ejected). */
  anyAvailable(): boolean {
    const now = Date.now();
    return this.replicas.some((replica) => this.#usable(replica, now, new Set()));
  }

  /**
   * Reserves a slot on the least-loaded replica in rotation, waiting in the queue when all are busy. Prefers
   * replicas not in `exclude` (those that already failed this request) but falls back to them.
   */
  async acquire(signal?: AbortSignal, exclude: ReadonlySet<string> = new Set()): Promise<Replica> {
    const preferred = this.#pick(exclude) ?? (exclude.size > 0 ? this.#pick(new Set()) : undefined);
    if (preferred) {
      preferred.inFlight++;
      return preferred;
    }
    if (this.#queue.length >= this.options.maxQueue) {
      this.options.observer?.rejected?.();
      throw new RateLimitError("queue_full", "The gateway is at capacity; retry shortly.", {
        headers: { "retry-after": "1" },
      });
    }
    return new Promise<Replica>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, exclude };
      const leave = () => {
        const position = this.#queue.indexOf(waiter);
        if (position !== -1) this.#queue.splice(position, 1);
        this.options.observer?.queueDepth?.(this.#queue.length);
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const timer = setTimeout(() => {
        leave();
        reject(
          new ServiceUnavailableError("queue_timeout", "Waited too long for a free model server slot.", {
            headers: { "retry-after": "1" },
          }),
        );
      }, this.options.queueTimeoutMs);
      const onAbort = () => {
        leave();
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiter.resolve = (replica) => {
        leave();
        resolve(replica);
      };
      this.#queue.push(waiter);
      this.options.observer?.queueDepth?.(this.#queue.length);
    });
  }

  /**
   * Frees the slot and records the outcome: `ok` (the replica answered), `failed` (connection error, timeout,
   * 502/503/504: ejected after `ejectAfterFailures` in a row), `dead` (its engine died: ejected at once) or
   * `neutral` (an error caused by the request's content, which says nothing about the replica).
   */
  release(replica: Replica, outcome: ReleaseOutcome): void {
    replica.inFlight = Math.max(0, replica.inFlight - 1);
    if (outcome === "ok") {
      // During the cool-down, a request sent before the ejection says nothing about the replica now.
      const coolingDown = replica.ejectedUntil > Date.now();
      if (!coolingDown && (replica.consecutiveFailures > 0 || replica.ejectedUntil > 0))
        this.#readmit(replica);
    } else if (outcome === "dead") {
      this.eject(replica);
    } else if (outcome === "failed" && ++replica.consecutiveFailures >= this.options.ejectAfterFailures) {
      this.eject(replica);
    }
    this.#drain();
  }

  /** Takes a replica out of rotation for the cool-down (its engine died, or it failed too often). */
  eject(replica: Replica): void {
    replica.consecutiveFailures = Math.max(replica.consecutiveFailures, this.options.ejectAfterFailures);
    replica.ejectedUntil = Date.now() + this.options.ejectionCooldownMs;
    this.options.observer?.health?.(replica.url, false);
  }

  /** Result of an active health check: a down replica leaves rotation, a healthy one comes back. */
  reportHealth(replica: Replica, healthy: boolean): void {
    const wasDown = replica.down;
    replica.down = !healthy;
    if (healthy && (wasDown || replica.ejectedUntil > 0)) this.#readmit(replica);
    else if (!healthy && !wasDown) this.options.observer?.health?.(replica.url, false);
    this.#drain();
  }

  #readmit(replica: Replica): void {
    replica.consecutiveFailures = 0;
    replica.ejectedUntil = 0;
    replica.down = false;
    this.options.observer?.health?.(replica.url, true);
  }

  #drain(): void {
    while (this.#queue.length > 0) {
      const waiter = this.#queue[0] as Waiter;
      const replica = this.#pick(waiter.exclude) ?? this.#pick(new Set());
      if (!replica) return;
      replica.inFlight++;
      waiter.resolve(replica);
    }
  }

  /** Rejects every waiter (shutdown). */
  close(reason: unknown): void {
    for (const waiter of this.#queue.splice(0)) waiter.reject(reason);
  }
}
