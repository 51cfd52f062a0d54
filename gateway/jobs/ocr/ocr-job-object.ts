import type { WebhookDeliveryView } from "../../webhooks/webhook-delivery.ts";
import type { JobRecord } from "../store/job-store.ts";
import type { OcrJobParams } from "./ocr-job-params.ts";

const seconds = (ms: number | null): number | null => (ms == null ? null : Math.floor(ms / 1000));

/**
 * An OCR job as the API shows it (OpenAI's object conventions: `object`, Unix-second timestamps, `metadata`).
 * `result` is the `/v1/ocr` answer, present once the job completed, and only with `withResult`;
 * `webhook_deliveries` (the deliveries of the job's events and their attempts) only when given.
 */
export function ocrJobObject(
  job: JobRecord,
  model: string,
  withResult: boolean,
  deliveries?: WebhookDeliveryView[],
): Record<string, unknown> {
  const params = job.params as OcrJobParams;
  return {
    id: job.id,
    object: "ocr.job",
    status: job.status,
    model,
    task: params.task,
    created_at: seconds(job.createdAt),
    started_at: seconds(job.startedAt),
    ended_at: seconds(job.endedAt),
    expires_at: seconds(
      job.status === "queued" || job.status === "in_progress" ? job.expiresAt : job.resultExpiresAt,
    ),
    pages_total: job.unitsTotal,
    pages_done: job.unitsDone + job.unitsFailed,
    pages_failed: job.unitsFailed,
    metadata: job.metadata ?? {},
    webhook_url: job.webhookUrl,
    error: job.error,
    ...(withResult ? { result: job.status === "completed" ? job.result : null } : {}),
    ...(deliveries ? { webhook_deliveries: deliveries } : {}),
  };
}
