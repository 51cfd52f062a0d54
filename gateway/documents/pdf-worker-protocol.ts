import type { LoadPdfOptions } from "./pdf-loader.ts";
import type { RenderedPage, RenderPageOptions } from "./render-pdf-pages.ts";

/** Messages from the main thread to a PDF worker. */
export type PdfWorkerRequest =
  | { id: number; type: "open"; docId: number; bytes: Uint8Array; options: LoadPdfOptions }
  | { id: number; type: "render"; docId: number; index: number; options: Omit<RenderPageOptions, "signal"> }
  | { id: number; type: "close"; docId: number };

/** A `GatewayError` as it crosses the thread boundary. */
export interface SerializedError {
  status?: number;
  type?: string;
  code?: string;
  param?: string | null;
  message: string;
}

/** Replies, matched to requests by `id`. */
export type PdfWorkerReply =
  | { id: number; ok: true; pageCount?: number; page?: RenderedPage }
  | { id: number; ok: false; error: SerializedError };
