import { RateLimitError } from "../errors.ts";

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * Requests per minute per principal, as token buckets (burst = the per-minute allowance). In memory, so
 * per gateway process; put a shared limiter in front when running many replicas. Idle buckets are dropped.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();
  readonly #perMs: number;

  constructor(private readonly perMinute: number) {
    this.#perMs = perMinute / 60_000;
  }

  /** Takes one token for `id`, or throws 429 `rate_limited` with the seconds until one is free. */
  take(id: string, now = Date.now()): void {
    const bucket = this.#buckets.get(id) ?? { tokens: this.perMinute, updated: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updated) * this.#perMs);
    bucket.updated = now;
    if (bucket.tokens < 1) {
      this.#buckets.set(id, bucket);
      const seconds = Math.max(1, Math.ceil((1 - bucket.tokens) / this.#perMs / 1000));
      throw new RateLimitError(
        "rate_limited",
        `Rate limit of ${this.perMinute} requests per minute reached.`,
        {
          headers: { "retry-after": String(seconds) },
        },
      );
    }
    bucket.tokens -= 1;
    this.#buckets.set(id, bucket);
    if (this.#buckets.size > 10_000) this.#sweep(now);
  }

  #sweep(now: number): void {
    for (const [id, bucket] of this.#buckets) {
      if (bucket.tokens + (now - bucket.updated) * this.#perMs >= this.perMinute) this.#buckets.delete(id);
    }
  }
}
