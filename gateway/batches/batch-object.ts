import type { WebhookDeliveryView } from "../webhooks/webhook-delivery.ts";
import type { BatchRecord } from "./batch-record.ts";
import { MISTRAL_STATUS } from "./batch-status.ts";

/** OpenAI's `Batch` object (`openai.batches.retrieve`), plus the gateway's `webhook_deliveries`. */
export function toOpenAiBatch(batch: BatchRecord, deliveries: WebhookDeliveryView[] = []) {
  const usage = batch.usage;
  return {
    id: batch.id,
    object: "batch" as const,
    endpoint: batch.endpoint,
    model: batch.model,
    errors: batch.errors.length > 0 ? { object: "list", data: batch.errors } : null,
    input_file_id: batch.input_file_id,
    completion_window: batch.completion_window,
    status: batch.status,
    output_file_id: batch.output_file_id,
    error_file_id: batch.error_file_id,
    created_at: batch.created_at,
    in_progress_at: batch.in_progress_at,
    expires_at: batch.expires_at,
    finalizing_at: batch.finalizing_at,
    completed_at: batch.completed_at,
    failed_at: batch.failed_at,
    expired_at: batch.expired_at,
    cancelling_at: batch.cancelling_at,
    cancelled_at: batch.cancelled_at,
    request_counts: batch.request_counts,
    usage: {
      input_tokens: usage.input_tokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: usage.output_tokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: usage.input_tokens + usage.output_tokens,
    },
    metadata: batch.metadata,
    webhook_deliveries: deliveries,
  };
}

/** When the batch stopped running (Mistral has one `completed_at` for every end state). */
function endedAt(batch: BatchRecord): number | null {
  return batch.completed_at ?? batch.failed_at ?? batch.expired_at ?? batch.cancelled_at;
}

/** Mistral's `BatchJob` (`mistral.batch.jobs.get`), plus the gateway's `webhook_deliveries`. */
export function toMistralBatchJob(batch: BatchRecord, deliveries: WebhookDeliveryView[] = []) {
  const counts = batch.request_counts;
  const errors = new Map<string, number>();
  for (const error of batch.errors) errors.set(error.message, (errors.get(error.message) ?? 0) + 1);
  return {
    id: batch.id,
    object: "batch" as const,
    input_files: [batch.input_file_id],
    metadata: batch.metadata,
    endpoint: batch.endpoint,
    model: batch.model,
    output_file: batch.output_file_id,
    error_file: batch.error_file_id,
    errors: [...errors].map(([message, count]) => ({ message, count })),
    status: MISTRAL_STATUS[batch.status],
    created_at: batch.created_at,
    total_requests: counts.total,
    completed_requests: counts.completed + counts.failed,
    succeeded_requests: counts.completed,
    failed_requests: counts.failed,
    started_at: batch.in_progress_at,
    completed_at: endedAt(batch),
    webhook_deliveries: deliveries,
  };
}
