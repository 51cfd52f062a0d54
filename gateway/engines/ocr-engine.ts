/** An axis-aligned rectangle in pixels of the image given to the engine. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One detected text region (a word or a run of words) before grouping into lines. */
export interface RecognizedSegment {
  text: string;
  /** 0–1. */
  confidence: number;
  /** In pixels of the image given to `recognize` (after EXIF orientation). */
  box: PixelBox;
}

/** One line of text as read by an engine. */
export interface RecognizedLine {
  /** The segments' texts, left to right, joined with a space. */
  text: string;
  /** 0–1. */
  confidence: number;
  /** In pixels of the image given to `recognize` (after EXIF orientation); the union of the segments. */
  box: PixelBox;
  polygon?: Array<[number, number]>;
  /** The detected regions the line was grouped from, left to right (finer boxes for spotting). */
  segments?: RecognizedSegment[];
}

/** The whole page, lines in reading order. */
export interface RecognitionResult {
  lines: RecognizedLine[];
  /** Size of the image given (after EXIF orientation), the space `box` coordinates live in. */
  width: number;
  height: number;
  /** Mean line confidence of the page, 0–1 (0 when no line was read). */
  confidence: number;
  /** Wall time of the job from when it started running (queue wait excluded). */
  durationMs: number;
}

/** Options of one recognition. */
export interface RecognizeOptions {
  /** Aborting drops a queued job; a running one finishes but its result is discarded. */
  signal?: AbortSignal;
}

/** Load of an engine's workers, for metrics and `/ready`. */
export interface EngineStats {
  busy: number;
  queued: number;
  workers: number;
}

/** A CPU OCR engine running in-process (every backend that is not vLLM implements this). */
export interface OcrEngine {
  /** Stable id, e.g. `"embedded:ppocr-v4"`. */
  readonly id: string;
  readonly description: string;
  /** Reads an encoded image (JPEG, PNG, WebP, TIFF, …). */
  recognize(image: Uint8Array, options?: RecognizeOptions): Promise<RecognitionResult>;
  stats(): EngineStats;
  close(): Promise<void>;
}
