import type { NormalizedImage } from "../images/normalize-image.ts";
import type { PageRotation } from "../images/page-rotation.ts";

/** Where a document's bytes are: already here (upload), or to be decoded/fetched from a URL. */
export type DocumentSource =
  | { kind: "upload"; bytes: Buffer; name: string | undefined }
  | { kind: "url"; url: string; name: string | undefined };

/** One page ready for a model: the image as sent, and what the caller should be told about its size. */
export interface PreparedPage {
  /** 0-based page index in the caller's document. */
  index: number;
  image: NormalizedImage;
  /** Mistral's `dimensions`: the page as the caller sees it (original pixels; render dpi for PDF pages, 72 else). */
  dimensions: { width: number; height: number; dpi: number };
}

/** `image` as page `index` of a document, its `dimensions` the original pixels at `dpi` (72 for images). */
export function preparedPage(index: number, image: NormalizedImage, dpi = 72): PreparedPage {
  return { index, image, dimensions: { width: image.originalWidth, height: image.originalHeight, dpi } };
}

export interface PageBox {
  text: string;
  /** Axis-aligned box in pixels of the original page (`units: "pixels"` in the response). */
  box: { x1: number; y1: number; x2: number; y2: number };
  polygon: Array<[number, number]>;
  confidence?: number;
}

/** One line of a page's answer with how sure the reader was of it. */
export interface TextLine {
  text: string;
  /** 0–1: the engine's score (embedded), or the geometric mean of the line's token probabilities (vLLM). */
  confidence: number;
  /** Embedded engine: the line's box in pixels of the original page. */
  box?: { x1: number; y1: number; x2: number; y2: number };
}

/** Mistral's extracted image entry (figures found by document parsing). */
export interface PageImage {
  id: string;
  top_left_x: number;
  top_left_y: number;
  bottom_right_x: number;
  bottom_right_y: number;
  image_base64: string | null;
}

export type PageFinish = "stop" | "length" | "repetition" | "error";

/** A page of the `/v1/ocr` answer: Mistral's page shape extended with the gateway's per-task fields. */
export interface PageResult {
  index: number;
  markdown: string;
  text: string;
  images: PageImage[];
  dimensions: { width: number; height: number; dpi: number };
  boxes?: PageBox[];
  box_units?: "pixels";
  fields?: Record<string, unknown> | null;
  lines?: string[];
  /** The answer's lines in reading order with their confidence, when the backend reports one. */
  text_lines?: TextLine[];
  /** 0–1, the page's confidence, when the backend reports one. */
  confidence?: number;
  /** Clockwise turn applied to read the page upright (`AUTO_ROTATE`); boxes stay in the sent page's pixels. */
  rotation?: PageRotation;
  finish_reason: PageFinish;
  /** True when the page was retried (loop, truncation or invalid structured output). */
  retried: boolean;
  warnings: string[];
  error?: { code: string; message: string };
  usage: { prompt_tokens: number; completion_tokens: number };
}

/** Events of a streamed `/v1/ocr` answer, in the order a page produces them. */
export type OcrEvent =
  | { event: "page.start"; data: { index: number } }
  | { event: "delta"; data: { index: number; text: string } }
  /** The page's answer so far is discarded; the deltas that follow are a fresh attempt. */
  | { event: "page.retry"; data: { index: number; reason: string } }
  | { event: "page.done"; data: PageResult }
  | { event: "done"; data: unknown };

export type OcrEventSink = (event: OcrEvent) => void;
