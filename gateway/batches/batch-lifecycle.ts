import type { WebhookEventType } from "../webhooks/webhook-event.ts";
import { type BatchLineResult, formatOutputLine, newBatchRequestId, succeeded } from "./batch-line-result.ts";
import type { BatchInputError, BatchRecord } from "./batch-record.ts";
import type { BatchStatus } from "./batch-status.ts";
import type { BatchStores } from "./batch-stores.ts";
import { parseBatchInput } from "./parse-batch-input.ts";
import type { SqlClient } from "./sql-client.ts";

export interface BatchLifecycleOptions {
  maxLines: number;
  /** How long output and error files are kept (JOB_RESULT_TTL). */
  resultTtlMs: number;
  /** Where events go when the batch has no `webhook_url` of its own (WEBHOOK_URL). */
  defaultWebhookUrl: string | undefined;
}

type FinalStatus = "completed" | "failed" | "cancelled" | "expired";

const EVENT: Record<FinalStatus, WebhookEventType> = {
  completed: "batch.completed",
  failed: "batch.failed",
  cancelled: "batch.cancelled",
  expired: "batch.expired",
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

function expiredLine(customId: string): BatchLineResult {
  return {
    id: newBatchRequestId(),
    custom_id: customId,
    request_id: "",
    status_code: null,
    body: null,
    error: {
      code: "batch_expired",
      message: "This request could not be executed before the completion window expired.",
    },
    usage: { input_tokens: 0, output_tokens: 0 },
  };
}

async function notify(
  stores: BatchStores,
  batch: BatchRecord,
  status: FinalStatus,
  options: BatchLifecycleOptions,
  tx: SqlClient,
) {
  const url = batch.webhook_url ?? options.defaultWebhookUrl;
  if (!url) return;
  await stores.webhooks.enqueue({ owner: batch.owner, subjectId: batch.id, type: EVENT[status], url }, tx);
}

/**
 * validating → in_progress (the input's lines become the batch's work) or → failed (the file is refused, with
 * `errors`). Exactly one replica makes the move: the status update is conditional and comes first in the
 * transaction that inserts the lines.
 */
export async function startBatch(
  stores: BatchStores,
  batch: BatchRecord,
  options: BatchLifecycleOptions,
): Promise<void> {
  const content = await stores.files.content(batch.owner, batch.input_file_id);
  const parsed = content
    ? parseBatchInput(content.toString("utf8"), {
        endpoint: batch.endpoint,
        maxLines: options.maxLines,
        format: batch.api,
      })
    : {
        ok: false as const,
        errors: [
          {
            code: "file_not_found",
            message: "The input file no longer exists.",
            line: null,
            param: "input_file_id",
          },
        ],
      };
  await stores.db.transaction(async (tx) => {
    if (parsed.ok) {
      const next: BatchRecord = {
        ...batch,
        status: "in_progress",
        in_progress_at: nowSeconds(),
        request_counts: { total: parsed.lines.length, completed: 0, failed: 0 },
      };
      if (await stores.batches.replace(next, "validating", tx))
        await stores.lines.insert(batch.id, parsed.lines, tx);
      return;
    }
    await failBatch(stores, batch, parsed.errors, options, tx);
  });
}

async function failBatch(
  stores: BatchStores,
  batch: BatchRecord,
  errors: BatchInputError[],
  options: BatchLifecycleOptions,
  tx: SqlClient,
): Promise<void> {
  const next: BatchRecord = { ...batch, status: "failed", failed_at: nowSeconds(), errors };
  if (!(await stores.batches.replace(next, "validating", tx))) return;
  await stores.files.delete(batch.owner, batch.input_file_id, tx);
  await notify(stores, batch, "failed", options, tx);
}

async function writeResultFile(
  stores: BatchStores,
  batch: BatchRecord,
  results: BatchLineResult[],
  kind: "output" | "error",
  expiresAt: number,
  tx: SqlClient,
): Promise<string | null> {
  if (results.length === 0) return null;
  const file = await stores.files.create(
    {
      owner: batch.owner,
      purpose: "batch_output",
      sample_type: kind === "output" ? "batch_result" : "batch_error",
      filename: `${batch.id}_${kind}.jsonl`,
      content: Buffer.from(`${results.map(formatOutputLine).join("\n")}\n`),
      expires_at: expiresAt,
    },
    tx,
  );
  return file.id;
}

/** How the archive files of a batch's lines are named: `<batch id>_<line index>_<name>`. */
export function lineOutputPrefix(batchId: string): string {
  return `${batchId}_line_`;
}

/** The archive files (`output_format` pdf/alto/hocr) the batch's answered lines refer to. */
function lineOutputFiles(results: readonly BatchLineResult[]): string[] {
  return results.filter(succeeded).flatMap((result) => {
    const fileId = (result.body as { output?: { file_id?: unknown } } | null)?.output?.file_id;
    return typeof fileId === "string" ? [fileId] : [];
  });
}

/**
 * Ends a batch whose lines are settled: `from` → `final`, with the output and error files assembled from the
 * lines' checkpointed results (in input order), the lines' archive files set to expire with them, the input
 * file and line rows deleted, and the webhook event recorded, all in one transaction. Expiry first ends every unfinished line with a `batch_expired` error.
 */
export async function closeBatch(
  stores: BatchStores,
  batch: BatchRecord,
  from: BatchStatus,
  final: Exclude<FinalStatus, "failed">,
  options: BatchLifecycleOptions,
): Promise<boolean> {
  return stores.db.transaction(async (tx) => {
    const now = nowSeconds();
    const claimed: BatchRecord = { ...batch, status: final, finalizing_at: now };
    if (!(await stores.batches.replace(claimed, from, tx))) return false;
    if (final === "expired") await stores.lines.finishRemaining(batch.id, expiredLine, tx);
    const results = await stores.lines.results(batch.id, tx);
    const totals = await stores.batches.lineTotals(batch.id, tx);
    const expiresAt = now + Math.floor(options.resultTtlMs / 1000);
    const outputFileId = await writeResultFile(
      stores,
      batch,
      results.filter(succeeded),
      "output",
      expiresAt,
      tx,
    );
    // Line files no line refers to (a replica died between writing one and checkpointing its line) go now.
    const lineFiles = lineOutputFiles(results);
    await stores.files.deleteOutputsNamed(batch.owner, lineOutputPrefix(batch.id), lineFiles, tx);
    await stores.files.setExpiry(batch.owner, lineFiles, expiresAt, tx);
    const errorResults = results.filter((result) => !succeeded(result));
    const errorFileId = await writeResultFile(stores, batch, errorResults, "error", expiresAt, tx);
    const ended: BatchRecord = {
      ...claimed,
      ...(final === "completed"
        ? { completed_at: now }
        : final === "cancelled"
          ? { cancelled_at: now }
          : { expired_at: now }),
      output_file_id: outputFileId,
      error_file_id: errorFileId,
      request_counts: { total: totals.total, completed: totals.completed, failed: totals.failed },
      usage: { input_tokens: totals.input_tokens, output_tokens: totals.output_tokens },
    };
    await stores.batches.replace(ended, final, tx);
    await stores.lines.deleteAll(batch.id, tx);
    await stores.files.delete(batch.owner, batch.input_file_id, tx);
    await notify(stores, batch, final, options, tx);
    return true;
  });
}

/**
 * Moves every active batch along: validates new ones, expires those past `expires_at`, and closes those whose
 * lines are settled (all done, or none running after a cancel).
 */
export async function advanceBatches(stores: BatchStores, options: BatchLifecycleOptions): Promise<void> {
  const ids = await stores.batches.idsInStatus(["validating", "in_progress", "cancelling"]);
  for (const id of ids) {
    const batch = await stores.batches.getAny(id);
    if (!batch) continue;
    const expired = Date.now() / 1000 >= batch.expires_at;
    if (batch.status === "validating") {
      if (expired) await closeBatch(stores, batch, "validating", "expired", options);
      else await startBatch(stores, batch, options);
      continue;
    }
    const open = await stores.lines.unfinished(id);
    if (batch.status === "cancelling") {
      if (open.running === 0) await closeBatch(stores, batch, "cancelling", "cancelled", options);
    } else if (expired) {
      await closeBatch(stores, batch, "in_progress", "expired", options);
    } else if (open.pending === 0 && open.running === 0) {
      await closeBatch(stores, batch, "in_progress", "completed", options);
    }
  }
}
