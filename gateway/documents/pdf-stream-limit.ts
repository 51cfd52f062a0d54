import { createInflate } from "node:zlib";
import { PayloadTooLargeError } from "../errors.ts";

const STREAM = Buffer.from("stream");
const END_STREAM = Buffer.from("endstream");

/** True when `data` inflates (zlib) to more than `limit` bytes; counts without keeping the output. */
function inflatesPast(data: Uint8Array, limit: number): Promise<boolean> {
  return new Promise((resolve) => {
    // 1 MiB chunks are mmap-ed, so the memory is given back when they are collected (small ones stay in the heap).
    const inflate = createInflate({ chunkSize: 1024 * 1024 });
    let total = 0;
    inflate.on("data", (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        inflate.destroy();
        resolve(true);
      }
    });
    inflate.on("end", () => resolve(false));
    // Not zlib data (another filter, encrypted) or truncated: pdf.js decides what to do with it.
    inflate.on("error", () => resolve(total > limit));
    inflate.end(data);
  });
}

/** Whether the bytes at `at` start with a zlib header (RFC 1950: deflate method, header checksum). */
function isZlibHeader(bytes: Buffer, at: number): boolean {
  const cmf = bytes[at] ?? 0;
  const flg = bytes[at + 1] ?? 0;
  return (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
}

/**
 * Refuses a PDF with a Flate stream that inflates past `maxBytes` (413 `pdf_stream_too_large`), before pdf.js
 * inflates it whole into memory: a 0.4 MB deflate bomb holds 400 MB of content. Streams are found by their
 * `stream`…`endstream` keywords; streams under another filter or encryption are left to the worker's memory
 * bound.
 */
export async function assertStreamsInflateWithin(pdf: Uint8Array, maxBytes: number): Promise<void> {
  const bytes = Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength);
  let at = bytes.indexOf(STREAM);
  while (at >= 0) {
    // The keyword is followed by CRLF or LF (ISO 32000-1, 7.3.8.1); anything else is not a stream's start.
    let start = at + STREAM.length;
    const eol = bytes[start] === 0x0d ? (bytes[start + 1] === 0x0a ? 2 : 1) : bytes[start] === 0x0a ? 1 : 0;
    start += eol;
    const end = eol > 0 ? bytes.indexOf(END_STREAM, start) : -1;
    const isStream = end > start && bytes[at - 1] !== 0x64; // not the tail of "endstream"
    if (
      isStream &&
      isZlibHeader(bytes, start) &&
      (await inflatesPast(bytes.subarray(start, end), maxBytes))
    ) {
      throw new PayloadTooLargeError(
        "pdf_stream_too_large",
        `A compressed stream in the PDF inflates to more than ${Math.round(maxBytes / 1048576)} MB (PDF_MAX_STREAM_MB); the document looks like a decompression bomb.`,
      );
    }
    at = bytes.indexOf(STREAM, isStream ? end + END_STREAM.length : start);
  }
}
