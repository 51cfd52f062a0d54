import { openDocument } from "../documents/open-document.ts";
import { decodeDataUrl, isDataUrl } from "../fetching/decode-data-url.ts";
import type { AppDependencies } from "../http/request-context.ts";
import type { TaskDefinition } from "../tasks/index.ts";
import type { OcrRequest } from "./ocr-request.ts";
import { buildOcrResponse, type OcrResponse } from "./ocr-response.ts";
import type { OcrEventSink } from "./ocr-types.ts";
import type { DocumentSource } from "./read-ocr-input.ts";
import { runOcr } from "./run-ocr.ts";
import { requestedTaskName, taskOptionsFrom } from "./task-options.ts";
import { invalidModelOutput } from "./vlm-ocr-backend.ts";

/** What the OCR service needs from the app: a subset of `AppDependencies`, so tests can pass less. */
export type OcrServiceDependencies = Pick<
  AppDependencies,
  "config" | "ocr" | "tasks" | "models" | "fetcher" | "metrics" | "pdf"
>;

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
}

/** A document opened for a task, not yet read: every 4xx about the input has been thrown by now. */
export interface OcrJob {
  task: TaskDefinition;
  /** Pages that will be read (the selection, not the document's length). */
  pageCount: number;
  /** Reads the pages and builds the answer; closes the document whatever happens. Call once. */
  run(emit?: OcrEventSink): Promise<OcrResponse>;
  /** Closes the document without reading it (when the caller gives up before `run`). */
  close(): Promise<void>;
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

/**
 * The first half of an OCR request, shared by `/v1/ocr` and the MCP tools: resolves the model and task,
 * checks the task's options against the backend, gets the document's bytes and opens it. Throws the same
 * `GatewayError`s `/v1/ocr` answers with, before any model time is spent, so a streaming caller can still
 * answer with a status code.
 */
export async function prepareOcrJob(deps: OcrServiceDependencies, input: OcrJobInput): Promise<OcrJob> {
  const { config, ocr, tasks, models, metrics } = deps;
  const { request, requestId, signal } = input;
  models.resolve(request.model);
  const task = tasks.get(requestedTaskName(request, input.shape));
  input.onTask?.(task);
  const prepared = ocr.prepareTask(task, taskOptionsFrom(request, task));
  const bytes = await documentBytes(deps, input.source, signal);
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
        ...(emit ? { emit } : {}),
      });
      const failed = pages.filter((page) => page.error != null);
      if (failed.length === pages.length && failed[0]?.error)
        throw invalidModelOutput(failed[0].error.message);
      return buildOcrResponse({
        requestId,
        model: models.served,
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

  return { task, pageCount: document.pages.length, run, close: () => document.close() };
}
