import { randomBytes } from "node:crypto";

/** Event types the gateway sends: OpenAI's batch events, and the gateway's own for single OCR jobs. */
export const WEBHOOK_EVENT_TYPES = [
  "batch.completed",
  "batch.failed",
  "batch.cancelled",
  "batch.expired",
  "ocr.job.completed",
  "ocr.job.failed",
  "ocr.job.cancelled",
  "ocr.job.expired",
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** An event body, shaped like OpenAI's webhook events (`BatchCompletedWebhookEvent` and friends). */
export interface WebhookEvent {
  id: string;
  object: "event";
  type: WebhookEventType;
  /** Unix seconds of the state change the event reports. */
  created_at: number;
  data: { id: string };
}

/**
 * Builds the event for `subjectId` (a batch or job id) reaching the state its `type` names. Pass `id` to make
 * it deterministic, so that recording the same state change twice yields one event.
 */
export function buildWebhookEvent(
  type: WebhookEventType,
  subjectId: string,
  at: Date,
  id?: string,
): WebhookEvent {
  return {
    id: id ?? `evt_${randomBytes(12).toString("hex")}`,
    object: "event",
    type,
    created_at: Math.floor(at.getTime() / 1000),
    data: { id: subjectId },
  };
}
