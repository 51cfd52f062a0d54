import { GatewayError } from "../../errors.ts";

/** Failures worth another attempt later: overload (429), unavailable (503) and timeouts (504). */
export function shouldRetry(error: unknown): boolean {
  return (
    error instanceof GatewayError && (error.status === 429 || error.status === 503 || error.status === 504)
  );
}

/** Exponential backoff for a unit's next attempt: 1 s, 2 s, 4 s… capped at one minute, with jitter. */
export function retryDelayMs(attempts: number): number {
  const base = Math.min(60_000, 1_000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.5 + Math.random() / 2));
}
