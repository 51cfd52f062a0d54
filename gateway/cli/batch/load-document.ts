import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { type GatewayError, PayloadTooLargeError } from "../../errors.ts";
import type { BatchDocument } from "./batch-document.ts";
import type { DocumentRecord } from "./run-state.ts";

/** A document's identity, and its bytes when they had to be read to know it. */
export interface LoadedDocument {
  sha256: string;
  size: number;
  mtimeMs: number | null;
  /** Null when the state vouched for an unchanged file (same size and mtime): read it only if it must run. */
  bytes: Buffer | null;
  name: string;
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function tooLarge(maxBytes: number): GatewayError {
  return new PayloadTooLargeError(
    "body_too_large",
    `The document is larger than ${maxBytes} bytes (MAX_BODY_BYTES).`,
  );
}

/**
 * Identifies a document by the SHA-256 of its bytes. A file whose size and modification time match its
 * last record keeps that record's hash without being read again (what makes resuming 40,000 files cheap).
 */
export async function loadDocument(
  document: BatchDocument,
  previous: DocumentRecord | undefined,
  maxBytes: number,
  fetchUrl: (url: string) => Promise<Buffer>,
): Promise<LoadedDocument> {
  const { location } = document;
  if (location.kind === "url") {
    const bytes = await fetchUrl(location.url);
    if (bytes.length > maxBytes) throw tooLarge(maxBytes);
    const name = decodeURIComponent(new URL(location.url).pathname.split("/").pop() || "document");
    return { sha256: sha256Of(bytes), size: bytes.length, mtimeMs: null, bytes, name };
  }
  const info = await stat(location.path);
  if (info.size > maxBytes) throw tooLarge(maxBytes);
  const name = path.basename(location.path);
  if (previous && previous.size === info.size && previous.mtimeMs === info.mtimeMs && previous.sha256) {
    return { sha256: previous.sha256, size: info.size, mtimeMs: info.mtimeMs, bytes: null, name };
  }
  const bytes = await readFile(location.path);
  return { sha256: sha256Of(bytes), size: bytes.length, mtimeMs: info.mtimeMs, bytes, name };
}

/** The bytes of a loaded document, reading the file now if `loadDocument` could skip it. */
export async function bytesOf(document: BatchDocument, loaded: LoadedDocument): Promise<Buffer> {
  if (loaded.bytes) return loaded.bytes;
  if (document.location.kind !== "file") throw new Error("URL documents are always fetched when loaded.");
  const bytes = await readFile(document.location.path);
  // Changed between stat and read (same size and mtime, other bytes): identify it by what is read now.
  loaded.sha256 = sha256Of(bytes);
  loaded.bytes = bytes;
  return bytes;
}
