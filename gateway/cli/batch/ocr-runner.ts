import type { OcrResponse } from "../../ocr/ocr-response.ts";
import type { Permit } from "./adaptive-limit.ts";
import type { DocumentOptions } from "./document-options.ts";

/** A document ready to be read: its bytes and options. */
export interface RunnerInput {
  bytes: Buffer;
  /** The file name (for the gateway's logs and the multipart upload), never its content. */
  name: string;
  options: DocumentOptions;
}

/** Waits until `pages` more pages may go to the upstream; the permit is released when they are read. */
export type AdmitPages = (pages: number) => Promise<Permit>;

/** Where the pages are read: in this process (the gateway's own OCR service) or by a running gateway. */
export interface OcrRunner {
  /** For the start line, e.g. "in-process, vLLM (2 replicas)". */
  description: string;
  /** Pages in flight to start with: the upstream's capacity as far as it is known. */
  initialConcurrency: number;
  /** Pages of one document read at once (`PAGE_CONCURRENCY`): what a document weighs at most. */
  pageConcurrency: number;
  /** Reads one document; throws `GatewayError`s / `BatchFailure`s as `/v1/ocr` answers them. */
  run(input: RunnerInput, admit: AdmitPages, signal: AbortSignal): Promise<OcrResponse>;
  /** Fetches a manifest's URL (SSRF rules and size limits of the gateway apply). */
  fetchUrl(url: string, signal: AbortSignal): Promise<Buffer>;
  close(): Promise<void>;
}
