import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { RateLimitError } from "../errors.ts";
import type { RedisConnection } from "../redis/redis-connection.ts";

export interface RateLimiterOptions {
  perMinute: number;
  /** Shares the counts across replicas; while Redis is down each process counts on its own. */
  redis?: RedisConnection | undefined;
  keyPrefix?: string;
}

/**
 * Requests per minute per principal (API key name or JWT subject), with rate-limiter-flexible: one-minute
 * windows of `perMinute` points. With Redis the count is shared by every gateway replica; its insurance
 * limiter (the same limit in this process's memory) takes over at once while Redis is unreachable.
 */
export class RateLimiter {
  readonly #limiter: RateLimiterMemory | RateLimiterRedis;

  constructor(private readonly options: RateLimiterOptions) {
    const limits = { points: options.perMinute, duration: 60, keyPrefix: `${options.keyPrefix ?? ""}rl` };
    const local = new RateLimiterMemory(limits);
    this.#limiter = options.redis
      ? new RateLimiterRedis({
          ...limits,
          storeClient: options.redis.client,
          insuranceLimiter: local,
          // ioredis "not ready" → straight to the insurance limiter instead of an error per request.
          rejectIfRedisNotReady: true,
        })
      : local;
  }

  /** Takes one request's point for `id`, or throws 429 `rate_limited` with the seconds until the window resets. */
  async take(id: string): Promise<void> {
    try {
      await this.#limiter.consume(id);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new RateLimitError(
        "rate_limited",
        `Rate limit of ${this.options.perMinute} requests per minute reached.`,
        { headers: { "retry-after": String(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000))) } },
      );
    }
  }
}
