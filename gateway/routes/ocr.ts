import { Hono } from "hono";
import { attachmentHeaders } from "../http/attachment-headers.ts";
import { cachePolicyFrom } from "../http/cache-control.ts";
import { clientSignal } from "../http/client-signal.ts";
import { ocrEventStream } from "../http/ocr-event-stream.ts";
import { readOcrInput } from "../http/read-ocr-input.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { versionRoute } from "../http/version-route.ts";
import { prepareOcrJob } from "../ocr/ocr-service.ts";
import { archiveFileName, describeArchiveFormat, isArchiveFormat } from "../output-formats/output-format.ts";
import { renderArchiveFormat } from "../output-formats/render-archive-format.ts";
import { gatewaySoftware } from "../version.ts";

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};

/**
 * `POST /v1/ocr`: a document (multipart upload, or Mistral-style JSON with an image/document URL) and a task
 * in; clean JSON out, or Server-Sent Events with `stream: true`. Every 4xx about the input is answered before
 * a stream starts.
 */
export function ocrRoute(deps: AppDependencies) {
  const { config, ocr, metrics, logger } = deps;
  return new Hono<AppEnv>().post("/v1/ocr", async (c) => {
    const requestId = c.get("requestId");
    const { request, source, shape } = await readOcrInput(c, config.MAX_BODY_BYTES);
    const abort = new AbortController();
    const signal = clientSignal(c);
    signal.addEventListener("abort", () => abort.abort(signal.reason), { once: true });
    const job = await prepareOcrJob(deps, {
      request,
      source,
      shape,
      requestId,
      signal: abort.signal,
      onTask: (task) => {
        c.get("labels").task = task.name;
      },
      cache: cachePolicyFrom(c.req.header("cache-control"), c.get("principal")),
      rendersArchiveFormats: true,
      route: versionRoute(c),
    });
    c.header("x-ocr-backend", ocr.name);
    if (job.modelVersion) {
      c.get("labels").modelVersion = job.modelVersion;
      c.header("x-model-version", job.modelVersion);
    }
    if (job.documentSha256) c.header("x-document-sha256", job.documentSha256);
    if (request.stream === true) {
      const stream = ocrEventStream(job.run, abort, (error) => {
        metrics.errors.inc({ code: error.code, status: error.status });
        logger.warn({ requestId, code: error.code, status: error.status }, "ocr stream failed");
      });
      return c.body(stream, 200, SSE_HEADERS);
    }
    const response = await job.run();
    // Streams answer before their pages are looked up, so only whole answers carry `x-cache`.
    const outcome = job.cacheOutcome();
    if (outcome) c.header("x-cache", outcome);
    const format = request.output_format;
    if (isArchiveFormat(format)) {
      const body = await renderArchiveFormat(
        format,
        {
          response,
          bytes: job.bytes,
          name: source.name,
          software: gatewaySoftware(),
        },
        ocr.imageLimits,
      );
      const { contentType } = describeArchiveFormat(format);
      return c.body(
        new Uint8Array(body),
        200,
        attachmentHeaders(contentType, archiveFileName(format, source.name)),
      );
    }
    return c.json(response);
  });
}
