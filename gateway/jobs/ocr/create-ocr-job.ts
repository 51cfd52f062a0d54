import { createHash, randomBytes } from "node:crypto";
import type { CacheDirectives } from "../../cache/owner-cache-policy.ts";
import { UnprocessableEntityError } from "../../errors.ts";
import type { OcrInput } from "../../ocr/ocr-input.ts";
import type { OcrServiceDependencies } from "../../ocr/ocr-service.ts";
import { openOcrTask } from "../../ocr/ocr-service.ts";
import { checkSearchablePdfInput } from "../../output-formats/searchable-pdf.ts";
import type { JobRecord, JobStore } from "../store/job-store.ts";
import { OCR_FINALIZE_KIND, OCR_JOB_TYPE, OCR_PAGE_KIND, type OcrJobParams } from "./ocr-job-params.ts";

export interface CreateOcrJobInput {
  owner: string;
  input: OcrInput;
  webhookUrl: string | null;
  metadata: Record<string, string> | null;
  idempotencyKey: string | null;
  /** The creating request's `Cache-Control`, for the job's pages (they read and fill the owner's cache). */
  cache: CacheDirectives;
  requestId: string;
  signal: AbortSignal;
  /** Now, and how long the job may take before it expires. */
  now: number;
  expireAfterMs: number;
}

/** JSON with object keys sorted, so equal requests hash equally whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function requestHash(job: CreateOcrJobInput): string {
  const { source, request, shape } = job.input;
  const document =
    source.kind === "upload" ? createHash("sha256").update(source.bytes).digest("hex") : source.url;
  return createHash("sha256")
    .update(canonicalJson({ request, shape, document, webhook: job.webhookUrl, metadata: job.metadata }))
    .digest("hex");
}

/** The options to keep: not the document (stored as the input; a data: URL can be megabytes) nor `stream`. */
function storedRequest(input: OcrInput): OcrJobParams["request"] {
  const {
    document: _document,
    stream: _stream,
    webhook_url: _webhook,
    metadata: _metadata,
    ...rest
  } = input.request;
  return rest;
}

function checkSameRequest(job: JobRecord, hash: string): JobRecord {
  if (job.requestHash !== hash) {
    // draft-ietf-httpapi-idempotency-key-header §2.7: a key reused with another payload is a 422.
    throw new UnprocessableEntityError(
      "idempotency_key_reused",
      "This Idempotency-Key was already used with a different request.",
      { param: "Idempotency-Key" },
    );
  }
  return job;
}

/**
 * Checks an OCR request exactly as `/v1/ocr` would (every 4xx before the job exists), then stores the job:
 * its options, its document, one unit per selected page. With an `Idempotency-Key` already used by the same
 * owner for the same request, returns that job instead (`created: false`).
 */
export async function createOcrJob(
  deps: OcrServiceDependencies,
  store: JobStore,
  job: CreateOcrJobInput,
): Promise<{ job: JobRecord; created: boolean }> {
  const hash = requestHash(job);
  if (job.idempotencyKey !== null) {
    const existing = await store.findByIdempotencyKey(job.owner, job.idempotencyKey);
    if (existing) return { job: checkSameRequest(existing, hash), created: false };
  }
  const opened = await openOcrTask(deps, {
    request: job.input.request,
    source: job.input.source,
    shape: job.input.shape,
    requestId: job.requestId,
    signal: job.signal,
    rendersArchiveFormats: true,
  });
  const pages = opened.document.pages.map((page) => page.index);
  await opened.document.close();
  // A document that cannot become a searchable PDF is refused now, not after every page was read.
  if (job.input.request.output_format === "pdf") await checkSearchablePdfInput(opened.bytes);
  const params: OcrJobParams = {
    request: storedRequest(job.input),
    shape: job.input.shape,
    task: opened.task.name,
    pages,
    docSizeBytes: opened.bytes.length,
    ...(job.input.source.name ? { documentName: job.input.source.name } : {}),
    cache: job.cache,
  };
  const created = await store.createJob({
    id: `ocrjob_${randomBytes(12).toString("hex")}`,
    type: OCR_JOB_TYPE,
    owner: job.owner,
    idempotencyKey: job.idempotencyKey,
    requestHash: hash,
    params,
    metadata: job.metadata,
    webhookUrl: job.webhookUrl,
    finalizeKind: OCR_FINALIZE_KIND,
    units: pages.map((index, seq) => ({ kind: OCR_PAGE_KIND, seq, payload: { index } })),
    input: opened.bytes,
    createdAt: job.now,
    expiresAt: job.now + job.expireAfterMs,
  });
  return created.created ? created : { job: checkSameRequest(created.job, hash), created: false };
}
