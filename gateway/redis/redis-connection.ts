import { Redis } from "ioredis";
import type { Logger } from "pino";

/** How `/ready` describes the shared-state connection. */
export interface RedisStatus {
  status: "up" | "down";
  /** While down: what the gateway does instead. */
  detail?: string;
  /** The last connection error, without the URL (it may hold a password). */
  lastError?: string;
}

export interface RedisConnection {
  readonly client: Redis;
  /** True while commands can be sent; false falls back to local limits and cache misses. */
  isUp(): boolean;
  status(): RedisStatus;
  /** Resolves once connected, or after `timeoutMs` (the gateway starts either way). */
  waitUntilUp(timeoutMs: number): Promise<boolean>;
  /** Adds a listener for up/down changes (for the `ocr_gateway_redis_up` gauge). */
  onChange(listener: (up: boolean) => void): void;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  url: string;
  logger: Logger;
  /** A command not answered within this fails (counts as a miss / local limit), so a hung Redis adds at most this. */
  commandTimeoutMs?: number;
}

const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * Connects to Redis for shared state (rate limits, result cache). The offline queue is off and commands time
 * out, so a Redis that is down or hung fails fast instead of holding requests; ioredis reconnects in the
 * background (backoff up to 2 s, forever). Up/down changes are logged once each, not per request.
 */
export function connectRedis(options: RedisConnectionOptions): RedisConnection {
  const { logger } = options;
  const client = new Redis(options.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
    lazyConnect: true,
  });
  let up = false;
  let everUp = false;
  let lastError: string | undefined;
  const listeners: Array<(up: boolean) => void> = [];
  let closing = false;
  const change = (next: boolean) => {
    if (next === up || closing) return;
    up = next;
    for (const listener of listeners) listener(up);
    if (up)
      logger.info(everUp ? "redis reconnected: shared rate limits and cache back on" : "redis connected");
    else
      logger.warn(
        { error: lastError },
        "redis unavailable: serving with per-process rate limits and without the shared cache",
      );
    everUp ||= up;
  };
  client.on("ready", () => change(true));
  client.on("close", () => change(false));
  client.on("error", (error: Error) => {
    lastError = error.message;
  });
  client.connect().catch((error: Error) => {
    lastError = error.message;
    // The first attempt failed before any "close": say so once; ioredis keeps retrying.
    if (!closing && !everUp)
      logger.warn(
        { error: lastError },
        "redis unavailable: serving with per-process rate limits and without the shared cache",
      );
  });

  return {
    client,
    isUp: () => up,
    status: () =>
      up
        ? { status: "up" }
        : {
            status: "down",
            detail: "per-process rate limits, result cache misses; reconnecting",
            ...(lastError ? { lastError } : {}),
          },
    waitUntilUp(timeoutMs) {
      if (up) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(up), timeoutMs);
        client.once("ready", () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    onChange: (listener) => listeners.push(listener),
    async close() {
      closing = true;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
