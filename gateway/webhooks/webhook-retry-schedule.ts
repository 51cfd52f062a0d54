/** How failed deliveries are retried: exponential backoff with jitter, given up after `windowMs`. */
export interface WebhookRetryPolicy {
  /** Delay before the first retry; each later retry doubles it. */
  baseDelayMs: number;
  /** The longest single wait between two attempts. */
  maxDelayMs: number;
  /** No attempt is made later than this after the event was created (24 h by default). */
  windowMs: number;
}

/**
 * When to try again after `attempts` failed attempts of an event created at `createdAt`, or `null` when the
 * retry window is used up. Jitter (±20 %) keeps many receivers' retries from arriving in lock-step.
 */
export function nextWebhookAttempt(
  policy: WebhookRetryPolicy,
  createdAt: number,
  attempts: number,
  now: number,
  random: () => number = Math.random,
): number | null {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, attempts - 1);
  const delay = Math.min(policy.maxDelayMs, exponential) * (0.8 + 0.4 * random());
  const next = now + Math.round(delay);
  const deadline = createdAt + policy.windowMs;
  if (now >= deadline) return null;
  return Math.min(next, deadline);
}
