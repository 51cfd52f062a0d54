import { Hono } from "hono";
import { openDocument } from "../documents/open-document.ts";
import { decodeDataUrl, isDataUrl } from "../fetching/decode-data-url.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { ocrEventStream } from "../ocr/ocr-event-stream.ts";
import { buildOcrResponse } from "../ocr/ocr-response.ts";
import type { OcrEvent } from "../ocr/ocr-types.ts";
import type { DocumentSource } from "../ocr/read-ocr-input.ts";
import { readOcrInput } from "../ocr/read-ocr-input.ts";
import { runOcr } from "../ocr/run-ocr.ts";
import { requestedTaskName, taskOptionsFrom } from "../ocr/task-options.ts";
import { invalidModelOutput } from "../ocr/vlm-ocr-backend.ts";

/**
 * `POST /v1/ocr`: a document (multipart upload, or Mistral-style JSON with an image/document URL) and a task
 * in; clean JSON out, or Server-Sent Events with `stream: true`.
 */
export function ocrRoute(deps: AppDependencies) {
  const { config, ocr, tasks, models, fetcher, metrics, logger } = deps;

  async function documentBytes(source: DocumentSource, signal: AbortSignal): Promise<Buffer> {
    if (source.kind === "upload") return source.bytes;
    if (isDataUrl(source.url)) return decodeDataUrl(source.url);
    const stop = metrics.preprocessDuration.startTimer({ kind: "remote_fetch" });
    try {
      return (await fetcher.fetchRemoteFile(source.url, signal)).bytes;
    } finally {
      stop();
    }
  }

  return new Hono<AppEnv>().post("/v1/ocr", async (c) => {
    const requestId = c.get("requestId");
    const { request, source, shape } = await readOcrInput(c, config.MAX_BODY_BYTES);
    models.resolve(request.model);
    const task = tasks.get(requestedTaskName(request, shape));
    c.get("labels").task = task.name;
    const prepared = ocr.prepareTask(task, taskOptionsFrom(request, task));

    const abort = new AbortController();
    const clientSignal = c.req.raw.signal;
    clientSignal.addEventListener("abort", () => abort.abort(clientSignal.reason), { once: true });

    const bytes = await documentBytes(source, abort.signal);
    const document = await openDocument(bytes, {
      limits: ocr.imageLimits,
      pages: request.pages,
      maxPages: config.PDF_MAX_PAGES,
      timestamps: request.timestamps,
      ffmpegPath: config.FFMPEG_PATH,
      signal: abort.signal,
    });

    const process = async (emit?: (event: OcrEvent) => void) => {
      try {
        const pages = await runOcr({
          backend: ocr,
          task: prepared,
          document,
          concurrency: config.PAGE_CONCURRENCY,
          requestId,
          signal: abort.signal,
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
    };

    c.header("x-ocr-backend", ocr.name);
    if (request.stream === true) {
      const stream = ocrEventStream(process, abort, (error) => {
        metrics.errors.inc({ code: error.code, status: error.status });
        logger.warn({ requestId, code: error.code, status: error.status }, "ocr stream failed");
      });
      return c.body(stream, 200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-accel-buffering": "no",
      });
    }
    return c.json(await process());
  });
}
