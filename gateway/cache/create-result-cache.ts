import type { GatewayConfig } from "../config/schema.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { RedisConnection } from "../redis/redis-connection.ts";
import { MemoryCacheStore } from "./memory-cache-store.ts";
import { RedisCacheStore } from "./redis-cache-store.ts";
import { type AnswerContext, ResultCache } from "./result-cache.ts";

/**
 * The result cache the settings ask for: none with `CACHE=off`, Redis (shared by replicas) when `REDIS_URL`
 * is set, otherwise an in-process LRU of `CACHE_MAX_BYTES`. Entries live `CACHE_TTL` seconds.
 */
export function createResultCache(
  config: GatewayConfig,
  parts: { redis: RedisConnection | undefined; metrics: GatewayMetrics; context: AnswerContext },
): ResultCache | undefined {
  if (!config.CACHE) return undefined;
  const store = parts.redis
    ? new RedisCacheStore(parts.redis, config.REDIS_KEY_PREFIX, config.CACHE_TTL)
    : new MemoryCacheStore({ maxBytes: config.CACHE_MAX_BYTES, ttlSeconds: config.CACHE_TTL });
  return new ResultCache(store, {
    scope: config.CACHE_SCOPE,
    metrics: parts.metrics,
    context: parts.context,
  });
}
