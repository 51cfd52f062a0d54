import type { WebhookEventType } from "./webhook-event.ts";

export type WebhookDeliveryStatus = "pending" | "delivered" | "failed";

/** One POST of an event to its URL, as the caller sees it on the job or batch. */
export interface WebhookAttempt {
  /** Unix seconds. */
  at: number;
  status_code: number | null;
  error: string | null;
}

/** A persisted event delivery: retried until a 2xx, a permanent refusal, or the retry window ends. */
export interface WebhookDelivery {
  /** The event id: the `webhook-id` header of every attempt, so receivers can de-duplicate. */
  id: string;
  owner: string;
  /** The batch or job the event is about. */
  subject_id: string;
  type: WebhookEventType;
  url: string;
  /** The exact JSON body that is signed and sent on every attempt. */
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  /** Milliseconds since the epoch. */
  created_at: number;
  /** When the next attempt is due (ms since the epoch); `null` once delivered or given up. */
  next_attempt_at: number | null;
}

/** What a job or batch shows about the deliveries of its events. */
export interface WebhookDeliveryView {
  event_id: string;
  type: WebhookEventType;
  url: string;
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  next_attempt_at: number | null;
}

export function toDeliveryView(delivery: WebhookDelivery): WebhookDeliveryView {
  return {
    event_id: delivery.id,
    type: delivery.type,
    url: delivery.url,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.next_attempt_at === null ? null : Math.floor(delivery.next_attempt_at / 1000),
  };
}
