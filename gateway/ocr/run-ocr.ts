import { mapWithConcurrency } from "../documents/map-with-concurrency.ts";
import type { OpenedDocument } from "../documents/open-document.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { OcrBackend, PreparedTask } from "./ocr-backend.ts";
import { type OcrEventSink, type PageResult, type PreparedPage, preparedPage } from "./ocr-types.ts";

export interface RunOcrOptions {
  backend: OcrBackend;
  task: PreparedTask;
  document: OpenedDocument;
  /** Pages sent to the model at the same time. */
  concurrency: number;
  requestId: string;
  signal: AbortSignal;
  metrics: GatewayMetrics;
  emit?: OcrEventSink;
  /** Answers pages seen before without the backend (the result cache, `gateway/cache`). */
  pageCache?: PageCacheHook | undefined;
}

/** Where `runOcr` looks a prepared page up before reading it, and reports what it read. */
export interface PageCacheHook {
  lookup(page: PreparedPage): Promise<PageResult | undefined>;
  remember(page: PreparedPage, result: PageResult): void;
}

/**
 * Reads every selected page: loads (renders/normalises) it, runs the task on the backend, and returns the
 * pages in document order. Pages run concurrently up to `concurrency`; events (`page.start`, `delta`,
 * `page.retry`, `page.done`) are emitted as they happen, each tagged with its page index.
 */
export async function runOcr(options: RunOcrOptions): Promise<PageResult[]> {
  const { backend, task, document, metrics } = options;
  const emit = options.emit ?? (() => {});
  const imageSource =
    document.kind === "pdf" ? "pdf_page" : document.kind === "video" ? "video_frame" : "image";
  return mapWithConcurrency(
    document.pages,
    options.concurrency,
    async (documentPage, _position, signal) => {
      emit({ event: "page.start", data: { index: documentPage.index } });
      const stopTimer = metrics.preprocessDuration.startTimer({ kind: imageSource });
      const { image, dpi, warnings = [] } = await documentPage.load(signal);
      stopTimer();
      metrics.images.inc({ source: imageSource });
      const page = preparedPage(documentPage.index, image, dpi);
      const onDelta = (text: string) => emit({ event: "delta", data: { index: documentPage.index, text } });
      const cached = await options.pageCache?.lookup(page);
      // A cached page streams like a fresh one: its whole text as one delta.
      if (cached && cached.text !== "") onDelta(cached.text);
      const result =
        cached ??
        (await backend.runPage(page, task, {
          requestId: `${options.requestId}-p${documentPage.index}`,
          signal,
          onDelta,
          onRetry: (reason) => emit({ event: "page.retry", data: { index: documentPage.index, reason } }),
        }));
      if (!cached) options.pageCache?.remember(page, result);
      if (warnings.length > 0) result.warnings = [...warnings, ...result.warnings];
      metrics.pages.inc({
        task: task.task.name,
        backend: backend.name,
        outcome: result.finish_reason,
        model_version: task.modelVersion?.name ?? "",
      });
      emit({ event: "page.done", data: result });
      return result;
    },
    options.signal,
  );
}
