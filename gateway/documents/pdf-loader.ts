import { createRequire } from "node:module";
import path from "node:path";
import type { PDFDocumentProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import { BadRequestError, type GatewayError, PayloadTooLargeError } from "../errors.ts";
import { assertStreamsInflateWithin } from "./pdf-stream-limit.ts";

export interface LoadPdfOptions {
  /** Refuse documents with more pages than this (413 `too_many_pages`). Default: no limit. */
  maxPages?: number;
  /** Embedded images above this many pixels are skipped by pdf.js rather than decoded. Default 100 MP. */
  maxImagePixels?: number;
  /** Refuse documents with a Flate stream that inflates past this many bytes (413 `pdf_stream_too_large`). */
  maxStreamBytes?: number;
  /** Let pdf.js print its warnings (e.g. a dropped oversized image) with `console.warn`: for a worker that
   * captures them. Default: errors only. */
  reportWarnings?: boolean;
}

type Pdfjs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");

export const DEFAULT_MAX_IMAGE_PIXELS = 100_000_000;
let pdfjsModule: Promise<Pdfjs> | undefined;

/** pdf.js installs DOM polyfills when imported, so it is loaded on first use rather than at import time. */
function loadPdfjs(): Promise<Pdfjs> {
  pdfjsModule ??= import("pdfjs-dist/legacy/build/pdf.mjs");
  return pdfjsModule;
}

/** Fonts, CMaps and WebAssembly decoders are read from the installed package: nothing is fetched. */
function packageDirectory(subdirectory: string): string {
  const packageJson = createRequire(import.meta.url).resolve("pdfjs-dist/package.json");
  return `${path.join(path.dirname(packageJson), subdirectory)}${path.sep}`;
}

/**
 * Parses a PDF with pdf.js in this process. The bytes are copied, so the caller's buffer is never detached.
 * Throws 400 `pdf_encrypted` for documents that need a password, 400 `invalid_pdf` for anything pdf.js
 * cannot open, 413 `too_many_pages` above `maxPages`, 413 `pdf_stream_too_large` above `maxStreamBytes`.
 */
export async function loadPdf(bytes: Uint8Array, options: LoadPdfOptions = {}): Promise<PDFDocumentProxy> {
  if (options.maxStreamBytes != null) await assertStreamsInflateWithin(bytes, options.maxStreamBytes);
  const pdfjs = await loadPdfjs();
  const task = pdfjs.getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    useWorkerFetch: false,
    isOffscreenCanvasSupported: false,
    isImageDecoderSupported: false,
    standardFontDataUrl: packageDirectory("standard_fonts"),
    cMapUrl: packageDirectory("cmaps"),
    cMapPacked: true,
    wasmUrl: packageDirectory("wasm"),
    maxImageSize: options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS,
    // Warnings can quote font names or broken object data: keep pdf.js quiet.
    verbosity: options.reportWarnings ? pdfjs.VerbosityLevel.WARNINGS : pdfjs.VerbosityLevel.ERRORS,
  });
  let document: PDFDocumentProxy;
  try {
    document = await task.promise;
  } catch (error) {
    await task.destroy();
    throw toPdfError(error);
  }
  if (options.maxPages != null && document.numPages > options.maxPages) {
    const pageCount = document.numPages;
    await document.destroy();
    throw new PayloadTooLargeError(
      "too_many_pages",
      `The PDF has ${pageCount} pages; at most ${options.maxPages} are accepted. Split it or select fewer pages.`,
    );
  }
  return document;
}

/** Maps a pdf.js failure to a client error; the pdf.js message stays in `cause` for logs. */
export function toPdfError(error: unknown): GatewayError {
  const name = error instanceof Error ? error.name : "";
  if (name === "PasswordException") {
    return new BadRequestError(
      "pdf_encrypted",
      "The PDF is password-protected. Remove the password (or print it to a new PDF) and send it again.",
      { cause: error },
    );
  }
  return new BadRequestError(
    "invalid_pdf",
    "The PDF could not be read: it is corrupt or truncated. Re-export it and send it again.",
    { cause: error },
  );
}
