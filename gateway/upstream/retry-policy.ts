import { setTimeout as sleep } from "node:timers/promises";

export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** First backoff; doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** Longest single wait, also the cap for an upstream's `retry-after`. */
  maxDelayMs: number;
}

const RETRYABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** Connection-level failures that happened before any answer: safe to send to another replica. */
export function isRetryableConnectionError(error: unknown): boolean {
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && RETRYABLE_CODES.has(code)) return true;
  }
  return false;
}

/** 502 and 503 mean "this replica cannot take it now"; 4xx never retried, other 5xx would fail again. */
export function isRetryableStatus(status: number): boolean {
  return status === 502 || status === 503;
}

/**
 * Waits before attempt `attempt + 1`: exponential backoff with full jitter, or the upstream's `retry-after`
 * (seconds) when it gave one, capped at `maxDelayMs`. Rejects when `signal` aborts.
 */
export async function backoff(
  policy: RetryPolicy,
  attempt: number,
  retryAfter?: string,
  signal?: AbortSignal,
) {
  const hinted = retryAfter !== undefined ? Number(retryAfter) * 1000 : Number.NaN;
  const exponential = policy.baseDelayMs * 2 ** attempt;
  const delay = Number.isFinite(hinted) ? hinted : exponential / 2 + Math.random() * (exponential / 2);
  await sleep(Math.min(delay, policy.maxDelayMs), undefined, signal ? { signal } : undefined);
}

/**
 * True when a chat request decodes greedily (`temperature: 0`, or `top_k: 1`), so any replica gives the same
 * answer: such a request may be sent again when a replica fails under it.
 */
export function isGreedyRequest(body: Readonly<Record<string, unknown>>): boolean {
  return body.temperature === 0 || body.top_k === 1;
}
