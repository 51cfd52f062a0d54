import type { OcrResponse } from "../ocr/ocr-response.ts";

/** What every archive format is made from: the `/v1/ocr` answer, and the document it read. */
export interface ArchiveDocument {
  response: OcrResponse;
  /** The document's bytes as the client sent them (the searchable PDF is built on them). */
  bytes: Uint8Array;
  /** The client's file name, when it gave one. */
  name?: string | undefined;
  /** The software named in the output's metadata, e.g. "ocr-gateway 0.2.0". */
  software: { name: string; version: string };
  /** When the document was read (metadata); default now. */
  createdAt?: Date;
}
