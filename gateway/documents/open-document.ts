import { BadRequestError, UnsupportedMediaTypeError } from "../errors.ts";
import { detectMediaType, isSupportedImageKind, mediaCategoryOf } from "../images/detect-media-type.ts";
import type { ImageLimits } from "../images/image-limits.ts";
import { countImagePages, type NormalizedImage, normalizeImage } from "../images/normalize-image.ts";
import { openVideo, timestampOutOfRange } from "./extract-video-frames.ts";
import { parsePageSelection } from "./page-selection.ts";
import type { OpenPdfFn } from "./pdf-render-pool.ts";
import { openPdf } from "./render-pdf-pages.ts";

/** One page of a document, loaded on demand so pages can be prepared concurrently and in bounded memory. */
export interface DocumentPage {
  index: number;
  /**
   * `dpi`: the render resolution of a PDF page; `IMAGE_DPI` for images and video frames. `warnings`: what the
   * image lacks (e.g. an embedded image over the pixel limit, left out of a PDF page).
   */
  load(signal?: AbortSignal): Promise<{ image: NormalizedImage; dpi: number; warnings?: string[] }>;
}

export interface OpenedDocument {
  kind: "image" | "pdf" | "video";
  /** Pages, frames or images in the whole input. */
  pageCount: number;
  /** The selected pages, in order. */
  pages: DocumentPage[];
  close(): Promise<void>;
}

export interface OpenDocumentOptions {
  limits: ImageLimits;
  /** Mistral-style 0-based page list, or a string such as "0,2-4". */
  pages?: readonly number[] | string | undefined | null;
  maxPages: number;
  /** A PDF with a Flate stream inflating past this is refused (413 `pdf_stream_too_large`). Default: no check. */
  maxPdfStreamBytes?: number | undefined;
  /** Seconds into a video to read frames at (default: the first frame). */
  timestamps?: readonly number[] | string | undefined;
  ffmpegPath?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Where PDFs are parsed and drawn (a worker pool in the gateway); default: in this thread. */
  openPdf?: OpenPdfFn | undefined;
}

/**
 * The `dpi` reported for images and video frames, whose pixels have no physical size we trust: 72, one pixel
 * per PostScript point. Mistral's page schema requires an integer, and its SDK rejects `null`.
 */
export const IMAGE_DPI = 72;

function parseTimestamps(spec: readonly number[] | string | undefined): number[] {
  if (spec === undefined) return [0];
  const values = typeof spec === "string" ? spec.split(",").map((item) => Number(item.trim())) : [...spec];
  if (values.length === 0 || values.some((value) => !Number.isFinite(value) || value < 0)) {
    throw new BadRequestError("invalid_timestamps", "`timestamps` must be seconds ≥ 0, e.g. [0, 12.5].", {
      param: "timestamps",
    });
  }
  return values;
}

function pdfPageImage(
  data: Buffer,
  mediaType: "image/png" | "image/jpeg",
  width: number,
  height: number,
): NormalizedImage {
  return {
    data,
    mediaType,
    width,
    height,
    originalWidth: width,
    originalHeight: height,
    scale: 1,
    reencoded: true,
    pageCount: 1,
    sourceKind: mediaType === "image/png" ? "png" : "jpeg",
  };
}

/**
 * Identifies an uploaded document by its bytes and exposes its selected pages: the pages of a PDF (rendered
 * at the model's resolution), the pages of a multi-page TIFF, a single image, or frames of a video at the
 * given timestamps. Unknown bytes → 415; empty → 400.
 */
export async function openDocument(bytes: Buffer, options: OpenDocumentOptions): Promise<OpenedDocument> {
  if (bytes.length === 0) throw new BadRequestError("empty_file", "The document is empty.");
  const kind = detectMediaType(bytes);
  if (kind === null) {
    throw new UnsupportedMediaTypeError(
      "unsupported_media_type",
      "The document is not a supported image (JPEG, PNG, WebP, TIFF, GIF, AVIF, BMP), PDF or video.",
    );
  }
  const pageSpec = options.pages ?? undefined;
  if (kind === "pdf") {
    const pdf = await (options.openPdf ?? openPdf)(
      bytes,
      {
        maxPages: options.maxPages,
        maxImagePixels: options.limits.maxInputPixels,
        ...(options.maxPdfStreamBytes != null ? { maxStreamBytes: options.maxPdfStreamBytes } : {}),
      },
      options.signal,
    );
    const indexes = parsePageSelection(pageSpec, pdf.pageCount, { maxPages: options.maxPages });
    return {
      kind: "pdf",
      pageCount: pdf.pageCount,
      pages: indexes.map((index) => ({
        index,
        async load(signal) {
          const page = await pdf.renderPage(index, {
            targetLongSide: options.limits.maxLongSide,
            maxPixels: options.limits.maxPixels,
            ...(signal ? { signal } : {}),
          });
          return {
            image: pdfPageImage(page.data, page.mediaType, page.width, page.height),
            dpi: Math.round(page.dpi),
            warnings: page.warnings,
          };
        },
      })),
      close: () => pdf.close(),
    };
  }
  if (mediaCategoryOf(kind) === "video") {
    const timestamps = parseTimestamps(options.timestamps);
    if (timestamps.length > options.maxPages) {
      throw new BadRequestError("too_many_timestamps", `At most ${options.maxPages} timestamps per request.`);
    }
    const video = await openVideo(bytes, {
      ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // Checked here so a time past the end is a 400 before any frame reaches the model.
    const late = timestamps.find(
      (seconds) => video.durationSeconds !== undefined && seconds >= video.durationSeconds,
    );
    if (late !== undefined) {
      await video.close();
      throw timestampOutOfRange(late);
    }
    return {
      kind: "video",
      pageCount: timestamps.length,
      // Each frame is extracted when its page is read, so at most the pages in flight hold a frame.
      pages: timestamps.map((seconds, index) => ({
        index,
        load: async (signal) => ({
          image: await normalizeImage(await video.frameAt(seconds, signal), options.limits),
          dpi: IMAGE_DPI,
        }),
      })),
      close: () => video.close(),
    };
  }
  if (!isSupportedImageKind(kind)) {
    // normalizeImage gives the precise 415 (e.g. HEIC without a decoder).
    await normalizeImage(bytes, options.limits);
  }
  const pageCount = await countImagePages(bytes);
  const indexes =
    pageSpec === undefined && kind !== "tiff"
      ? [0]
      : parsePageSelection(pageSpec, pageCount, { maxPages: options.maxPages });
  return {
    kind: "image",
    pageCount,
    pages: indexes.map((index) => ({
      index,
      load: async () => ({
        image: await normalizeImage(bytes, options.limits, { page: index }),
        dpi: IMAGE_DPI,
      }),
    })),
    close: async () => {},
  };
}
