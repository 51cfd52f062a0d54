import { OCR_JOB_TYPE } from "../jobs/ocr/ocr-job-params.ts";
import { TERMINAL_STATUSES } from "../jobs/store/job-store.ts";
import type { JobEndedListener } from "../jobs/worker/job-worker.ts";
import type { WebhookStore } from "./webhook-store.ts";

/**
 * Turns the end of an async OCR job (the job worker's `job.ended` unit) into an `ocr.job.<status>` event for
 * the job's `webhook_url` or WEBHOOK_URL. The event id derives from the job, so a listener that runs again
 * after a crash records no second event. `webhooks` is read per event: it throws while the database is not open
 * yet, and the unit runs again.
 */
export function ocrJobWebhooks(
  webhooks: () => WebhookStore,
  defaultUrl: string | undefined,
): JobEndedListener {
  return async function recordOcrJobEvent(job) {
    if (job.type !== OCR_JOB_TYPE || !TERMINAL_STATUSES.has(job.status)) return;
    const status = job.status as "completed" | "failed" | "cancelled" | "expired";
    const url = job.webhookUrl ?? defaultUrl;
    if (!url) return;
    await webhooks().enqueue({
      owner: job.owner,
      subjectId: job.id,
      type: `ocr.job.${status}`,
      url,
      eventId: `evt_${job.id}_${status}`,
    });
  };
}
