import type { Logger } from "pino";
import type { SendWebhookAttempt } from "./send-webhook.ts";
import type { WebhookAttempt, WebhookDelivery } from "./webhook-delivery.ts";
import { nextWebhookAttempt, type WebhookRetryPolicy } from "./webhook-retry-schedule.ts";
import type { WebhookStore } from "./webhook-store.ts";

export interface WebhookDispatcherOptions {
  store: WebhookStore;
  send: SendWebhookAttempt;
  retry: WebhookRetryPolicy;
  pollMs: number;
  /** How long a claimed delivery is reserved for this replica (longer than one attempt's timeout). */
  leaseMs: number;
  logger: Logger;
  /** Counts attempts by outcome: `delivered`, `retrying` (failed, tried again later), `gave_up` (failed, final). */
  onAttempt?: (outcome: "delivered" | "retrying" | "gave_up") => void;
}

/**
 * Sends due webhook deliveries from the store, one replica per attempt, and schedules retries with
 * exponential backoff until a 2xx or the end of the retry window. Deliveries live in the database, so a
 * restart resumes them where they were.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: WebhookDispatcherOptions) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) =>
          this.options.logger.warn({ err: (error as Error).message }, "webhook dispatch failed"),
        )
        .finally(() => this.schedule());
    }, this.options.pollMs);
    this.timer.unref();
  }

  /** Sends every due delivery once (exported for tests, which call it instead of waiting for the timer). */
  async tick(now = Date.now()): Promise<void> {
    const due = await this.options.store.claimDue(16, this.options.leaseMs, now);
    await Promise.all(due.map((delivery) => this.attempt(delivery)));
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const { store, send, retry, logger } = this.options;
    const at = new Date();
    const outcome = await send(delivery.url, delivery.id, delivery.payload, at);
    const attempt: WebhookAttempt = {
      at: Math.floor(at.getTime() / 1000),
      status_code: outcome.statusCode,
      error: outcome.error,
    };
    const attempts = [...delivery.attempts, attempt];
    if (outcome.ok) {
      await store.recordAttempt(delivery.id, attempts, "delivered", null);
      this.options.onAttempt?.("delivered");
      return;
    }
    const next = outcome.permanent
      ? null
      : nextWebhookAttempt(retry, delivery.created_at, attempts.length, at.getTime());
    await store.recordAttempt(delivery.id, attempts, next === null ? "failed" : "pending", next);
    this.options.onAttempt?.(next === null ? "gave_up" : "retrying");
    logger.info(
      {
        event: delivery.id,
        type: delivery.type,
        attempt: attempts.length,
        error: outcome.error,
        retry: next !== null,
      },
      "webhook delivery failed",
    );
  }
}
