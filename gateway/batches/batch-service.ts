import { randomBytes } from "node:crypto";
import { z } from "zod";
import { BadRequestError, NotFoundError } from "../errors.ts";
import { checkWebhookUrlOption } from "../webhooks/check-webhook-url.ts";
import type { BatchEndpoint, BatchRecord } from "./batch-record.ts";
import { assertCanMoveTo } from "./batch-status.ts";
import type { BatchStores } from "./batch-stores.ts";

/** OpenAI's metadata limits: 16 pairs, keys up to 64 characters, values up to 512. */
export const metadataSchema = z
  .record(z.string().max(64), z.string().max(512))
  .refine((value) => Object.keys(value).length <= 16, "at most 16 keys")
  .nullish();

export interface NewBatch {
  owner: string;
  api: BatchRecord["api"];
  endpoint: BatchEndpoint;
  input_file_id: string;
  model: string | null;
  completion_window_hours: number;
  metadata: Record<string, string> | null;
  webhook_url: string | null;
}

export interface BatchServiceOptions {
  allowedPrivateHosts: readonly string[];
  /** False without WEBHOOK_SECRET: events could not be signed, so a `webhook_url` is refused. */
  webhooksEnabled: boolean;
}

/**
 * Creates a batch in `validating` (the worker reads its input file next) after checking what can be checked
 * now: the input file exists, belongs to the caller and is a batch input; the webhook URL passes the SSRF
 * policy.
 */
export async function createBatch(
  stores: BatchStores,
  input: NewBatch,
  options: BatchServiceOptions,
): Promise<BatchRecord> {
  const file = await stores.files.get(input.owner, input.input_file_id);
  if (!file) {
    throw new NotFoundError("file_not_found", `No file ${input.input_file_id}.`, { param: "input_file_id" });
  }
  if (file.purpose !== "batch") {
    throw new BadRequestError("invalid_input_file", "The input file must be uploaded with purpose `batch`.", {
      param: "input_file_id",
    });
  }
  const webhookUrl = checkWebhookUrlOption(input.webhook_url, options);
  const now = Math.floor(Date.now() / 1000);
  const batch: BatchRecord = {
    id: `batch_${randomBytes(12).toString("hex")}`,
    owner: input.owner,
    api: input.api,
    endpoint: input.endpoint,
    model: input.model,
    input_file_id: input.input_file_id,
    completion_window: `${input.completion_window_hours}h`,
    status: "validating",
    metadata: input.metadata,
    webhook_url: webhookUrl,
    output_file_id: null,
    error_file_id: null,
    errors: [],
    request_counts: { total: 0, completed: 0, failed: 0 },
    usage: { input_tokens: 0, output_tokens: 0 },
    created_at: now,
    in_progress_at: null,
    finalizing_at: null,
    completed_at: null,
    failed_at: null,
    expired_at: null,
    cancelling_at: null,
    cancelled_at: null,
    expires_at: now + input.completion_window_hours * 3600,
  };
  await stores.batches.insert(batch);
  return batch;
}

export async function getBatch(stores: BatchStores, owner: string, id: string): Promise<BatchRecord> {
  const batch = await stores.batches.get(owner, id);
  if (!batch) throw new NotFoundError("batch_not_found", `No batch ${id}.`, { param: "batch_id" });
  return batch;
}

/**
 * Asks a running batch to stop: it becomes `cancelling`, no new line starts, and once the lines in flight
 * finish it becomes `cancelled` with the results so far. Cancelling twice is harmless; a finished batch is a
 * 409.
 */
export async function cancelBatch(stores: BatchStores, owner: string, id: string): Promise<BatchRecord> {
  for (;;) {
    const batch = await getBatch(stores, owner, id);
    if (batch.status === "cancelling" || batch.status === "cancelled") return batch;
    assertCanMoveTo(batch.status, "cancelling");
    const next: BatchRecord = {
      ...batch,
      status: "cancelling",
      cancelling_at: Math.floor(Date.now() / 1000),
    };
    if (await stores.batches.replace(next, batch.status)) return getBatch(stores, owner, id);
  }
}
