import type { DocumentOptions } from "./document-options.ts";

/** Where a document's bytes come from: a local file, or an http(s) URL fetched under the gateway's SSRF rules. */
export type DocumentLocation = { kind: "file"; path: string } | { kind: "url"; url: string };

/** One document of a batch, as discovered: nothing has been read yet. */
export interface BatchDocument {
  /**
   * The document's relative path (POSIX separators) under the input root: its outputs are `<out>/<key>.<ext>`
   * and the run state names it by this key.
   */
  key: string;
  location: DocumentLocation;
  options: DocumentOptions;
}

/** An input that is not part of the run, with why; reported, never fatal. */
export interface SkippedInput {
  key: string;
  /** A stable code: `unsupported_file_type`, `invalid_manifest_line`, `duplicate_entry`, … */
  code: string;
  message: string;
  /** True when the user named the input explicitly (a manifest line): it then counts as a failure. */
  failure: boolean;
}

export interface Discovery {
  documents: BatchDocument[];
  skipped: SkippedInput[];
}

/** File name extensions read as documents when walking a folder or a glob (content decides the real type). */
export const DOCUMENT_EXTENSIONS = new Set([
  ".jpg",
  ".jpeg",
  ".jpe",
  ".png",
  ".webp",
  ".tif",
  ".tiff",
  ".gif",
  ".avif",
  ".bmp",
  ".pdf",
]);
