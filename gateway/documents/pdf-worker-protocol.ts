import type { LoadPdfOptions } from "./pdf-loader.ts";
import type { RenderedPage, RenderPageOptions } from "./render-pdf-pages.ts";

/**
 * Tasks for a PDF worker process. A render carries the document's bytes when that worker has not opened the
 * document yet (any worker may draw any page, so one slow page never holds a document's other pages hostage).
 */
export type PdfTask =
  | { type: "open"; docId: number; bytes: Uint8Array; options: LoadPdfOptions }
  | {
      type: "render";
      docId: number;
      index: number;
      options: Omit<RenderPageOptions, "signal">;
      open?: { bytes: Uint8Array; options: LoadPdfOptions };
    };

/** Sent to the workers holding a document when it is closed; no answer is expected. */
export interface PdfForget {
  type: "forget";
  docId: number;
}

/** What a task answers: the page count for `open`, the page for `render`. */
export interface PdfTaskResult {
  pageCount?: number;
  page?: RenderedPage;
}

/** What a failed task reports besides its `jobId`. */
export interface PdfTaskFailure {
  error: SerializedError;
}

/** A `GatewayError` as it crosses the process boundary. */
export interface SerializedError {
  status?: number;
  type?: string;
  code?: string;
  param?: string | null;
  message: string;
}
