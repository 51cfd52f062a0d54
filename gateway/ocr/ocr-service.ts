import { sha256Hex } from "../cache/cache-keys.ts";
import type { CacheOutcome, CachePolicy, ResultCache } from "../cache/result-cache.ts";
import type { ModelNames } from "../chat/model-names.ts";
import type { GatewayConfig } from "../config/schema.ts";
import { type OpenedDocument, openDocument } from "../documents/open-document.ts";
import type { OpenPdfFn } from "../documents/pdf-render-pool.ts";
import { decodeDataUrl, isDataUrl } from "../fetching/decode-data-url.ts";
import type { RemoteFileFetcher } from "../fetching/fetch-remote-file.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { VersionRoute } from "../release/model-version.ts";
import { choosePrompt, type TaskDefinition, type TaskRegistry } from "../tasks/index.ts";
import type { OcrBackend, PreparedTask } from "./ocr-backend.ts";
import type { OcrRequest } from "./ocr-request.ts";
import { buildOcrResponse, type OcrResponse } from "./ocr-response.ts";
import type { DocumentSource, OcrEventSink } from "./ocr-types.ts";
import { runOcr } from "./run-ocr.ts";
import { checkOutputFormat, requestedTaskName, taskOptionsFrom } from "./task-options.ts";
import { invalidModelOutput } from "./vllm-page-reader.ts";

/**
 * What the OCR service needs (the app's dependencies satisfy it; tests can pass less). Declared here, not
 * taken from the HTTP layer's types, so the service knows nothing of HTTP.
 */
export interface OcrServiceDependencies {
  config: GatewayConfig;
  ocr: OcrBackend;
  tasks: TaskRegistry;
  models: ModelNames;
  fetcher: RemoteFileFetcher;
  metrics: GatewayMetrics;
  /** Where PDF pages are rendered. */
  pdf: { open: OpenPdfFn; close(): Promise<void> };
  /** The `/v1/ocr` result cache, when it is on. */
  cache?: ResultCache | undefined;
}

export interface OcrJobInput {
  /** The validated options (task, language, pages, fields, schema, …), as `/v1/ocr` reads them. */
  request: OcrRequest;
  /** The document: bytes already here, or a `data:` / http(s) URL (fetched SSRF-safely). */
  source: DocumentSource;
  /** Decides the default task when `request.task` is unset (see `requestedTaskName`). */
  shape: "multipart" | "json";
  requestId: string;
  /** Aborts fetching, rendering and the model's generation. */
  signal: AbortSignal;
  /** Called as soon as the task is known (before it is checked), e.g. to label metrics. */
  onTask?: (task: TaskDefinition) => void;
  /** Who asks and what the result cache may do; without it the cache is not used (no owner, no sharing). */
  cache?: CachePolicy;
  /** The caller renders `output_format` pdf/alto/hocr from the answer (`/v1/ocr`, jobs, batch lines); elsewhere it is refused. */
  rendersArchiveFormats?: boolean;
  /** Who asks and which model version they pin (`x-model-version`), to pick the version that reads. */
  route?: Pick<VersionRoute, "owner" | "pinned">;
}

/** A document opened for a task, not yet read: every 4xx about the input has been thrown by now. */
export interface OcrJob {
  task: TaskDefinition;
  /** Pages that will be read (the selection, not the document's length). */
  pageCount: number;
  /** The document's bytes (after fetching a URL), e.g. to build a searchable PDF on them. */
  bytes: Buffer;
  /** Reads the pages and builds the answer; closes the document whatever happens. Call once. */
  run(emit?: OcrEventSink): Promise<OcrResponse>;
  /** Closes the document without reading it (when the caller gives up before `run`). */
  close(): Promise<void>;
  /** SHA-256 (hex) of the document's bytes, set when the result cache is on (what `DELETE /v1/cache/{sha256}` takes). */
  documentSha256?: string;
  /** After `run`: whether the pages came from the result cache; undefined when it was not used. */
  cacheOutcome(): CacheOutcome | undefined;
  /** The model version that reads the pages. */
  modelVersion?: string;
}

async function documentBytes(
  deps: OcrServiceDependencies,
  source: DocumentSource,
  signal: AbortSignal,
): Promise<Buffer> {
  if (source.kind === "upload") return source.bytes;
  if (isDataUrl(source.url)) return decodeDataUrl(source.url);
  const stop = deps.metrics.preprocessDuration.startTimer({ kind: "remote_fetch" });
  try {
    return (await deps.fetcher.fetchRemoteFile(source.url, signal)).bytes;
  } finally {
    stop();
  }
}

/** A task checked against the backend and the document opened, nothing read yet. */
export interface OpenedOcrTask {
  task: TaskDefinition;
  prepared: PreparedTask;
  document: OpenedDocument;
  /** The document's bytes (fetched or decoded already). */
  bytes: Buffer;
  /** SHA-256 of the bytes, when the result cache is in play (for purges by document). */
  documentSha256?: string | undefined;
  /** This request's view of the result cache, when it is on and the caller allows it. */
  cache?: ReturnType<NonNullable<OcrServiceDependencies["cache"]>["session"]> | undefined;
}

/**
 * The first half of an OCR request, shared by `/v1/ocr`, the MCP tools and async jobs: resolves the model and
 * task, checks the task's options against the backend, gets the document's bytes and opens it. Throws the
 * same `GatewayError`s `/v1/ocr` answers with, before any model time is spent.
 */
export async function openOcrTask(deps: OcrServiceDependencies, input: OcrJobInput): Promise<OpenedOcrTask> {
  const { config, ocr, tasks, models } = deps;
  const { request, signal } = input;
  models.resolve(request.model);
  const task = tasks.get(requestedTaskName(request, input.shape));
  input.onTask?.(task);
  // Checked here, not in a backend: a language the task has no prompt in is refused whatever serves it.
  choosePrompt(task, tasks.getProfile(config.MODEL_PROFILE), request.language);
  checkOutputFormat(request, task, input.rendersArchiveFormats === true);
  const options = taskOptionsFrom(request, task);
  // Without an owner (jobs, batch lines) the request id keeps one document on one version.
  const prepared = ocr.prepareTask(task, options, {
    ...input.route,
    fallbackKey: input.requestId,
    requested: request.model,
  });
  const bytes = await documentBytes(deps, input.source, signal);
  const documentSha256 = deps.cache && input.cache ? sha256Hex(bytes) : undefined;
  const cache =
    deps.cache && input.cache && documentSha256
      ? deps.cache.session({
          policy: input.cache,
          document: documentSha256,
          task,
          options,
          modelVersion: prepared.modelVersion?.name,
        })
      : undefined;
  const document = await openDocument(bytes, {
    limits: ocr.imageLimits,
    pages: request.pages,
    maxPages: config.PDF_MAX_PAGES,
    maxPdfStreamBytes: config.PDF_MAX_STREAM_MB * 1024 * 1024,
    timestamps: request.timestamps,
    ffmpegPath: config.FFMPEG_PATH,
    signal,
    openPdf: deps.pdf.open,
  });
  try {
    ocr.assertServes?.(task);
  } catch (error) {
    await document.close();
    throw error;
  }
  return { task, prepared, document, bytes, documentSha256, cache };
}

/**
 * `openOcrTask`, then a `run` that reads every page and builds the answer, so a streaming caller can still
 * answer a 4xx with a status code.
 */
export async function prepareOcrJob(deps: OcrServiceDependencies, input: OcrJobInput): Promise<OcrJob> {
  const { config, ocr, models, metrics } = deps;
  const { requestId, signal } = input;
  const { task, prepared, document, bytes, documentSha256, cache } = await openOcrTask(deps, input);

  async function run(emit?: OcrEventSink): Promise<OcrResponse> {
    try {
      const pages = await runOcr({
        backend: ocr,
        task: prepared,
        document,
        concurrency: config.PAGE_CONCURRENCY,
        requestId,
        signal,
        metrics,
        pageCache: cache,
        ...(emit ? { emit } : {}),
      });
      // Only a run that read every page is kept: an aborted stream or a failure throws before this.
      if (!signal.aborted) await cache?.commit();
      const failed = pages.filter((page) => page.error != null);
      if (failed.length === pages.length && failed[0]?.error)
        throw invalidModelOutput(failed[0].error.message);
      return buildOcrResponse({
        requestId,
        model: prepared.modelVersion?.model ?? models.served,
        task: task.name,
        backend: ocr.name,
        structured: task.structuredOutput,
        pages,
        docSizeBytes: bytes.length,
      });
    } finally {
      await document.close();
    }
  }

  return {
    task,
    pageCount: document.pages.length,
    bytes,
    run,
    close: () => document.close(),
    ...(documentSha256 ? { documentSha256 } : {}),
    cacheOutcome: () => cache?.outcome(),
    ...(prepared.modelVersion ? { modelVersion: prepared.modelVersion.name } : {}),
  };
}
