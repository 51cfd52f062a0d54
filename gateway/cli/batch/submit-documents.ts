import { createHash } from "node:crypto";
import { detectMediaType, mimeTypeOf } from "../../images/detect-media-type.ts";
import type { BatchApiClient } from "./batch-api-client.ts";
import type { BatchDocument } from "./batch-document.ts";
import { BatchFailure, isTransientReason, toBatchFailure } from "./batch-failure.ts";
import type { DocumentOutcome } from "./batch-run.ts";
import { optionsDigest, toOcrRequest } from "./document-options.ts";
import type { DocumentOutputs } from "./document-outputs.ts";
import { bytesOf, loadDocument } from "./load-document.ts";
import type { DocumentRecord, RunState } from "./run-state.ts";
import type { SubmissionLog, SubmittedDocument } from "./submissions.ts";

export interface SubmitSettings {
  retryFailed: boolean;
  /** The largest document read (MAX_BODY_BYTES). */
  maxBytes: number;
  /** The largest batch input file uploaded; a larger set is split over several batches. */
  inputFileBytes: number;
  /** Requests per batch at most (the server's BATCH_MAX_LINES). */
  maxLines: number;
}

export interface SubmitParts {
  documents: readonly BatchDocument[];
  state: RunState;
  outputs: DocumentOutputs;
  log: SubmissionLog;
  client: BatchApiClient;
  settings: SubmitSettings;
  /** Metadata of every batch created (e.g. which output folder it is for). */
  metadata: Record<string, string>;
  fetchUrl(url: string): Promise<Buffer>;
  /** Documents that need no submission: done or failed earlier, or failed to load now. */
  onOutcome(outcome: DocumentOutcome): void;
  signal: AbortSignal;
}

/** A `custom_id` for a document key: the key itself when it fits OpenAI's 512 characters. */
function customIdOf(key: string): string {
  return key.length <= 512 ? key : `sha256:${createHash("sha256").update(key).digest("hex")}`;
}

/** A `/v1/ocr` batch line carrying the document as a `data:` URL with the document's options. */
function ocrLine(customId: string, name: string, bytes: Buffer, document: BatchDocument): string {
  const kind = detectMediaType(bytes);
  const mime = kind ? mimeTypeOf(kind) : "application/octet-stream";
  const body = {
    ...toOcrRequest(document.options),
    document: {
      type: "document_url",
      document_url: `data:${mime};base64,${bytes.toString("base64")}`,
      document_name: name,
    },
  };
  return `${JSON.stringify({ custom_id: customId, method: "POST", url: "/v1/ocr", body })}\n`;
}

/** Lines waiting to be uploaded as one batch input file. */
interface Chunk {
  lines: string[];
  bytes: number;
  documents: SubmittedDocument[];
}

const emptyChunk = (): Chunk => ({ lines: [], bytes: 0, documents: [] });

/**
 * `--submit`: hands the documents that are not done yet to the server's batch API. Each is identified as in
 * an in-process run (done with the same bytes and options: skipped), copies share one line, and the lines
 * are uploaded as JSONL input files of at most `inputFileBytes`, one batch each. Every batch is recorded in
 * the submission log before and after its creation, so nothing is sent twice and nothing is lost when the
 * run is killed. Returns the ids of the batches created.
 */
export async function submitDocuments(parts: SubmitParts): Promise<string[]> {
  const { state, outputs, log, settings } = parts;
  const created: string[] = [];
  const byContent = new Map<string, string>();
  let chunk = emptyChunk();
  const flush = async () => {
    if (chunk.lines.length === 0) return;
    const full = chunk;
    chunk = emptyChunk();
    byContent.clear();
    created.push(await submitChunk(parts, full));
  };

  for (const document of parts.documents) {
    if (parts.signal.aborted) break;
    const previous = state.get(document.key);
    const digest = optionsDigest(document.options);
    let record: Omit<DocumentRecord, "status" | "formats" | "pages" | "ms" | "at"> | undefined;
    try {
      const loaded = await loadDocument(document, previous, settings.maxBytes, parts.fetchUrl);
      record = {
        key: document.key,
        sha256: loaded.sha256,
        size: loaded.size,
        mtimeMs: loaded.mtimeMs,
        optionsDigest: digest,
        options: document.options,
      };
      const same = previous?.sha256 === loaded.sha256 && previous.optionsDigest === digest;
      if (same && previous.status === "done") {
        if ((await outputs.missing(document.key, previous.formats)).length === 0) {
          parts.onOutcome({
            key: document.key,
            status: "skipped",
            pages: previous.pages,
            ms: 0,
            note: "done_earlier",
          });
          continue;
        }
      }
      if (
        same &&
        previous.status === "failed" &&
        !settings.retryFailed &&
        !isTransientReason(previous.error)
      ) {
        parts.onOutcome({
          key: document.key,
          status: "failed",
          pages: 0,
          ms: 0,
          note: "failed_earlier",
          ...(previous.error ? { reason: previous.error } : {}),
        });
        continue;
      }
      if (log.isPending(document.key, loaded.sha256, digest)) continue;
      const contentKey = `${loaded.sha256}/${digest}`;
      let customId = byContent.get(contentKey);
      if (customId === undefined) {
        customId = customIdOf(document.key);
        const line = ocrLine(customId, loaded.name, await bytesOf(document, loaded), document);
        if (line.length > settings.inputFileBytes) {
          throw new BatchFailure(
            "document_too_large_for_batch",
            413,
            `As a batch line the document takes ${line.length} bytes, over the ${settings.inputFileBytes}-byte input file limit (--submit-file-mb).`,
          );
        }
        if (chunk.bytes + line.length > settings.inputFileBytes || chunk.lines.length >= settings.maxLines) {
          await flush();
        }
        chunk.lines.push(line);
        chunk.bytes += line.length;
        byContent.set(contentKey, customId);
      }
      chunk.documents.push({ ...record, location: document.location, customId });
    } catch (error) {
      if (parts.signal.aborted) break;
      const failure = toBatchFailure(error);
      const failed: DocumentRecord = {
        ...(record ?? {
          key: document.key,
          sha256: "",
          size: 0,
          mtimeMs: null,
          optionsDigest: digest,
          options: document.options,
        }),
        status: "failed",
        formats: [],
        pages: 0,
        ms: 0,
        error: failure.toReason(),
        at: new Date().toISOString(),
      };
      await state.append(failed);
      parts.onOutcome({ key: document.key, status: "failed", pages: 0, ms: 0, reason: failure.toReason() });
    }
  }
  if (!parts.signal.aborted) await flush();
  return created;
}

/** Uploads a chunk and creates its batch, logging the submission around the creation. */
async function submitChunk(parts: SubmitParts, chunk: Chunk): Promise<string> {
  const name = `ocr-batch-${new Date().toISOString().replaceAll(":", "-")}.jsonl`;
  const inputFileId = await parts.client.uploadInput(name, chunk.lines.join(""));
  const submission = {
    server: new URL(parts.client.server).origin,
    input_file_id: inputFileId,
    batch_id: null as string | null,
    submitted_at: new Date().toISOString(),
    documents: chunk.documents,
    collected: null,
  };
  await parts.log.add(submission);
  submission.batch_id = (await parts.client.createBatch(inputFileId, parts.metadata)).id;
  await parts.log.save();
  return submission.batch_id;
}

/**
 * Batches whose creation a killed run did not record: found on the server by their input file, or created
 * now (the input file was uploaded, so the documents are not read again).
 */
export async function completeInterruptedSubmissions(
  log: SubmissionLog,
  client: BatchApiClient,
  metadata: Record<string, string>,
): Promise<void> {
  for (const submission of log.pending()) {
    if (submission.batch_id !== null) continue;
    const found = await client.findBatchByInput(submission.input_file_id);
    submission.batch_id = (found ?? (await client.createBatch(submission.input_file_id, metadata))).id;
    await log.save();
  }
}
