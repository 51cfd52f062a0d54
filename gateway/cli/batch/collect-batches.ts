import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { OcrResponse } from "../../ocr/ocr-response.ts";
import { type BatchApiClient, ENDED_BATCH_STATUSES, type RemoteBatch } from "./batch-api-client.ts";
import type { BatchDocument } from "./batch-document.ts";
import { BatchFailure } from "./batch-failure.ts";
import type { DocumentOutcome } from "./batch-run.ts";
import type { DocumentOutputs } from "./document-outputs.ts";
import { bytesOf, sha256Of } from "./load-document.ts";
import type { DocumentRecord, FailureReason, RunState } from "./run-state.ts";
import type { Submission, SubmissionLog, SubmittedDocument } from "./submissions.ts";

export interface CollectParts {
  log: SubmissionLog;
  client: BatchApiClient;
  state: RunState;
  outputs: DocumentOutputs;
  fetchUrl(url: string): Promise<Buffer>;
  /** The first wait between polls; it grows to `maxPollMs` while the batches run. */
  pollMs: number;
  maxPollMs: number;
  /** The server's progress over the batches being waited for, after each poll. */
  onProgress(progress: { lines: number; finished: number; failed: number }): void;
  onOutcome(outcome: DocumentOutcome): void;
  signal: AbortSignal;
}

/** One line of a batch output or error file, as OpenAI writes it. */
interface OutputLine {
  custom_id: string;
  response: { status_code: number; body: unknown } | null;
  error: { code?: string; message?: string } | null;
}

function parseLines(text: string): OutputLine[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as OutputLine);
}

/** Why a line failed: the gateway's error envelope in the body, or the line's own `error`. */
function failureOf(line: OutputLine): FailureReason {
  const envelope = (line.response?.body as { error?: { code?: unknown; message?: unknown } } | undefined)
    ?.error;
  const code = typeof envelope?.code === "string" ? envelope.code : (line.error?.code ?? "batch_line_failed");
  const message =
    typeof envelope?.message === "string" ? envelope.message : (line.error?.message ?? "The line failed.");
  return new BatchFailure(code, line.response?.status_code ?? 0, message).toReason();
}

/**
 * `--wait`: polls the pending submissions until their batches end, then writes each document's outputs from
 * the output file (atomically, as an in-process run does) and records it done, or records the failure the
 * error file gives. Documents the batch did not reach (expired, cancelled) stay pending for the next
 * `--submit`. A submission is marked collected only after all its documents are recorded, so a run killed
 * while collecting collects it again, writing the same outputs.
 */
export async function collectBatches(parts: CollectParts): Promise<Array<{ id: string; status: string }>> {
  const ended: Array<{ id: string; status: string }> = [];
  let pollMs = parts.pollMs;
  for (;;) {
    const waiting = parts.log.pending().filter((submission) => submission.batch_id !== null);
    if (waiting.length === 0 || parts.signal.aborted) return ended;
    let lines = 0;
    let finished = 0;
    let failed = 0;
    for (const submission of waiting) {
      const batch = await parts.client.retrieveBatch(submission.batch_id as string);
      lines += batch.request_counts.total;
      finished += batch.request_counts.completed + batch.request_counts.failed;
      failed += batch.request_counts.failed;
      if (!ENDED_BATCH_STATUSES.has(batch.status)) continue;
      await collect(parts, submission, batch);
      ended.push({ id: batch.id, status: batch.status });
    }
    parts.onProgress({ lines, finished, failed });
    if (parts.log.pending().some((submission) => submission.batch_id !== null)) {
      await sleep(pollMs, undefined, { signal: parts.signal }).catch(() => {});
      pollMs = Math.min(parts.maxPollMs, pollMs * 1.5);
    }
  }
}

async function collect(parts: CollectParts, submission: Submission, batch: RemoteBatch): Promise<void> {
  const answers = new Map<string, OutputLine>();
  for (const fileId of [batch.output_file_id, batch.error_file_id]) {
    if (!fileId) continue;
    for (const line of parseLines(await parts.client.fileContent(fileId))) answers.set(line.custom_id, line);
  }
  const firstOfLine = new Set<string>();
  for (const document of submission.documents) {
    const line = answers.get(document.customId);
    const copy = firstOfLine.has(document.customId);
    firstOfLine.add(document.customId);
    if (!line) {
      parts.onOutcome({ key: document.key, status: "abandoned", pages: 0, ms: 0 });
      continue;
    }
    await record(parts, document, line, copy);
  }
  submission.collected = batch.status;
  await parts.log.save();
}

async function record(
  parts: CollectParts,
  document: SubmittedDocument,
  line: OutputLine,
  copy: boolean,
): Promise<void> {
  const base = {
    key: document.key,
    sha256: document.sha256,
    size: document.size,
    mtimeMs: document.mtimeMs,
    optionsDigest: document.optionsDigest,
    options: document.options,
    ms: 0,
    at: new Date().toISOString(),
  };
  let failure: FailureReason | undefined;
  if (line.response?.status_code === 200) {
    const response = line.response.body as OcrResponse;
    try {
      await parts.outputs.write(document.key, response, sourceOf(parts, document));
      const pages = response.usage_info?.pages_processed ?? 0;
      const done: DocumentRecord = {
        ...base,
        status: "done",
        formats: parts.outputs.formats.map((writer) => writer.name),
        pages,
      };
      await parts.state.append(done);
      parts.onOutcome({
        key: document.key,
        status: "done",
        pages,
        ms: 0,
        ...(copy ? { note: "duplicate" as const } : {}),
      });
      return;
    } catch (error) {
      failure =
        error instanceof BatchFailure
          ? error.toReason()
          : { code: "output_failed", status: 0, message: (error as Error).message.slice(0, 300) };
    }
  }
  failure ??= failureOf(line);
  await parts.state.append({ ...base, status: "failed", formats: [], pages: 0, error: failure });
  parts.onOutcome({ key: document.key, status: "failed", pages: 0, ms: 0, reason: failure });
}

/** The document's bytes for the formats built on it (searchable PDF…), refused if they changed since. */
function sourceOf(parts: CollectParts, document: SubmittedDocument) {
  return async () => {
    const batchDocument: BatchDocument = {
      key: document.key,
      location: document.location,
      options: document.options,
    };
    const bytes =
      document.location.kind === "url"
        ? await parts.fetchUrl(document.location.url)
        : await bytesOf(batchDocument, {
            sha256: document.sha256,
            size: document.size,
            mtimeMs: document.mtimeMs,
            bytes: null,
            name: "",
          });
    if (sha256Of(bytes) !== document.sha256) {
      throw new BatchFailure(
        "document_changed",
        0,
        "The document changed after it was submitted; submit it again.",
      );
    }
    const where =
      document.location.kind === "url" ? new URL(document.location.url).pathname : document.location.path;
    return { bytes, name: path.basename(where) || "document" };
  };
}
