import type { PageViewport, PDFDocumentProxy, PDFPageProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import { BadRequestError } from "../errors.ts";
import { assertAspectRatioAcceptable, DEFAULT_IMAGE_LIMITS } from "../images/image-limits.ts";
import { type LoadPdfOptions, loadPdf, toPdfError } from "./pdf-loader.ts";

export interface RenderPageOptions {
  /** Longest side of the rendered image in pixels. Default 2048 (the vLLM model's limit). Ignored when `dpi` is set. */
  targetLongSide?: number;
  /** Render at this resolution instead of a target size; still capped by `maxPixels`. */
  dpi?: number;
  /** Pixel cap (width × height) of the rendered image. Default 2048². */
  maxPixels?: number;
  /** PNG (default) keeps text edges exact; JPEG (quality 90) is smaller for pages that are full-page photos. */
  format?: "png" | "jpeg";
  /** Cancels rendering of this page. */
  signal?: AbortSignal;
}

export interface RenderedPage {
  /** 0-based page index. */
  index: number;
  data: Buffer;
  mediaType: "image/png" | "image/jpeg";
  width: number;
  height: number;
  /** Effective resolution: pixels per inch of the page. */
  dpi: number;
  /** Page size in PDF points (1/72 inch) as displayed, i.e. after the page's /Rotate. */
  pageWidthPt: number;
  pageHeightPt: number;
  /** What the result lacks and why (e.g. an embedded image over the pixel limit that was left out). */
  warnings: string[];
}

export interface PdfDocument {
  pageCount: number;
  /** Renders one page (0-based) onto a white background. Pages may be rendered concurrently. */
  renderPage(index: number, options?: RenderPageOptions): Promise<RenderedPage>;
  /** Frees the parsed document; further renders fail. */
  close(): Promise<void>;
}

/**
 * pdf.js's Node canvas factory (backed by @napi-rs/canvas). Pages are drawn on its canvases rather than on ones
 * from our own @napi-rs/canvas import: pdfjs-dist 5 pins @napi-rs/canvas 0.1.x and builds glyph paths with that
 * copy's Path2D, which a 1.x context refuses ("not a valid enum value of type CanvasFillRule").
 */
interface PdfCanvasFactory {
  create(width: number, height: number): { canvas: EncodableCanvas; context: unknown };
  destroy(canvasAndContext: { canvas: EncodableCanvas | null; context: unknown }): void;
}

interface EncodableCanvas {
  encode(format: "png"): Promise<Buffer>;
  encode(format: "jpeg", quality: number): Promise<Buffer>;
}

const POINTS_PER_INCH = 72;
const JPEG_QUALITY = 90;

/**
 * Opens a PDF for page rendering, in-process with pdf.js and @napi-rs/canvas (no network, no disk writes).
 * Throws 400 `pdf_encrypted`, 400 `invalid_pdf`, 413 `too_many_pages` (see `loadPdf`). Call `close()` when done.
 */
export async function openPdf(bytes: Uint8Array, options: LoadPdfOptions = {}): Promise<PdfDocument> {
  const document = await loadPdf(bytes, options);
  return {
    pageCount: document.numPages,
    renderPage: (index, renderOptions = {}) => renderPage(document, index, renderOptions),
    close: () => document.destroy(),
  };
}

/**
 * The render scale (pixels per point) for a page of `widthPt` × `heightPt`: `dpi / 72` when a resolution is
 * asked for, otherwise the scale that makes the longest side `targetLongSide`; then lowered so the image stays
 * within `maxPixels`, so a poster-sized page cannot allocate a huge canvas.
 */
export function renderScale(widthPt: number, heightPt: number, options: RenderPageOptions = {}): number {
  const targetLongSide = options.targetLongSide ?? DEFAULT_IMAGE_LIMITS.maxLongSide;
  const maxPixels = options.maxPixels ?? DEFAULT_IMAGE_LIMITS.maxPixels;
  for (const [name, value] of Object.entries({ targetLongSide, maxPixels, dpi: options.dpi ?? 72 })) {
    if (!(Number.isFinite(value) && value > 0))
      throw new RangeError(`${name} must be a positive number, got ${value}`);
  }
  const requested =
    options.dpi != null ? options.dpi / POINTS_PER_INCH : targetLongSide / Math.max(widthPt, heightPt);
  return Math.min(requested, Math.sqrt(maxPixels / (widthPt * heightPt)));
}

async function renderPage(
  document: PDFDocumentProxy,
  index: number,
  options: RenderPageOptions,
): Promise<RenderedPage> {
  assertPageIndex(index, document.numPages);
  options.signal?.throwIfAborted();
  let page: PDFPageProxy;
  try {
    page = await document.getPage(index + 1);
  } catch (error) {
    throw toPdfError(error);
  }
  try {
    const { width: pageWidthPt, height: pageHeightPt } = page.getViewport({ scale: 1 });
    const scale = renderScale(pageWidthPt, pageHeightPt, options);
    const viewport = page.getViewport({ scale });
    const width = Math.max(1, Math.floor(viewport.width));
    const height = Math.max(1, Math.floor(viewport.height));
    assertAspectRatioAcceptable({ width, height }, `Page ${index}`);
    const format = options.format ?? "png";
    const factory = document.canvasFactory as PdfCanvasFactory;
    const canvasAndContext = factory.create(width, height);
    let data: Buffer;
    try {
      await drawPage(page, canvasAndContext.canvas, viewport, options.signal);
      data = await encodeCanvas(canvasAndContext.canvas, format);
    } finally {
      factory.destroy(canvasAndContext);
    }
    return {
      index,
      data,
      mediaType: format === "png" ? "image/png" : "image/jpeg",
      width,
      height,
      dpi: scale * POINTS_PER_INCH,
      pageWidthPt,
      pageHeightPt,
      warnings: [],
    };
  } finally {
    page.cleanup();
  }
}

async function drawPage(
  page: PDFPageProxy,
  canvas: EncodableCanvas,
  viewport: PageViewport,
  signal: AbortSignal | undefined,
): Promise<void> {
  // pdf.js types its canvas as the DOM's; @napi-rs/canvas implements the part it uses.
  const task = page.render({ canvas: canvas as unknown as HTMLCanvasElement, viewport });
  const cancel = () => task.cancel();
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    await task.promise;
  } catch (error) {
    signal?.throwIfAborted();
    throw toPdfError(error);
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
  signal?.throwIfAborted();
}

function encodeCanvas(canvas: EncodableCanvas, format: "png" | "jpeg"): Promise<Buffer> {
  return format === "png" ? canvas.encode("png") : canvas.encode("jpeg", JPEG_QUALITY);
}

function assertPageIndex(index: number, pageCount: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= pageCount) {
    throw new BadRequestError(
      "page_out_of_range",
      `Page ${index} does not exist: the PDF has ${pageCount} page${pageCount === 1 ? "" : "s"} ` +
        `(valid indexes 0–${pageCount - 1}, 0-based).`,
      { param: "pages" },
    );
  }
}
