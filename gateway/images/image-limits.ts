import { BadRequestError, PayloadTooLargeError } from "../errors.ts";

/** Bounds applied to every image before it reaches a model. */
export interface ImageLimits {
  /** Decoded pixels (width × height, one page) above which the input is refused before decoding: a decompression-bomb guard. */
  maxInputPixels: number;
  /** Longest side of the image sent to the model; larger images are downscaled, never upscaled. */
  maxLongSide: number;
  /** Pixels (width × height) of the image sent to the model. */
  maxPixels: number;
  /** Shortest side the input may have; smaller images are refused. Default 8. */
  minShortSide?: number;
}

export interface ImageSize {
  width: number;
  height: number;
}

/** vLLM's HunyuanOCR processor refuses images whose long/short side ratio exceeds this (HTTP 400). */
export const MAX_ASPECT_RATIO = 200;
export const DEFAULT_MIN_SHORT_SIDE = 8;

/**
 * For HunyuanOCR on vLLM: its processor resizes to at most 2048² pixels anyway, so larger images only cost
 * bandwidth and decode time. 100 MP of input covers 600 dpi A4 scans (35 MP) and 50 MP phone photos.
 */
export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxInputPixels: 100_000_000,
  maxLongSide: 2048,
  maxPixels: 2048 * 2048,
  minShortSide: DEFAULT_MIN_SHORT_SIDE,
});

/** For the embedded CPU engine: 1600 px on the longest side read best on receipts and kept memory near 0.7 GB. */
export const EMBEDDED_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxInputPixels: 100_000_000,
  maxLongSide: 1600,
  maxPixels: 1600 * 1600,
  minShortSide: DEFAULT_MIN_SHORT_SIDE,
});

/**
 * Refuses an input image whose decoded size is dangerous or useless to the model:
 * 413 `image_too_many_pixels`, 400 `image_too_small`, 400 `image_aspect_ratio_too_large`.
 */
export function assertImageSizeAcceptable(size: ImageSize, limits: ImageLimits): void {
  const { width, height } = size;
  if (width * height > limits.maxInputPixels) {
    throw new PayloadTooLargeError(
      "image_too_many_pixels",
      `The image is ${width}×${height} pixels (${formatMegapixels(width * height)}); the limit is ` +
        `${formatMegapixels(limits.maxInputPixels)}. Downscale it before sending.`,
    );
  }
  const minShortSide = limits.minShortSide ?? DEFAULT_MIN_SHORT_SIDE;
  if (Math.min(width, height) < minShortSide) {
    throw new BadRequestError(
      "image_too_small",
      `The image is ${width}×${height} pixels; both sides must be at least ${minShortSide} pixels.`,
    );
  }
  assertAspectRatioAcceptable(size);
}

/** 400 `image_aspect_ratio_too_large` when the long side exceeds 200 × the short side (vLLM would reject it). */
export function assertAspectRatioAcceptable(size: ImageSize, what = "The image"): void {
  const ratio = Math.max(size.width, size.height) / Math.min(size.width, size.height);
  if (ratio > MAX_ASPECT_RATIO) {
    throw new BadRequestError(
      "image_aspect_ratio_too_large",
      `${what} is ${size.width}×${size.height} pixels, an aspect ratio of ${ratio.toFixed(0)}:1; the model ` +
        `accepts at most ${MAX_ASPECT_RATIO}:1. Crop it into shorter pieces.`,
    );
  }
}

/**
 * The largest size with the same aspect ratio that fits `maxLongSide` and `maxPixels`, never larger than the
 * input. Sides are floored so the limits hold exactly; the short side is then raised if flooring alone would
 * push the aspect ratio past 200:1.
 */
export function fitWithinLimits(
  size: ImageSize,
  limits: Pick<ImageLimits, "maxLongSide" | "maxPixels">,
): ImageSize {
  const { width, height } = size;
  const scale = Math.min(
    1,
    limits.maxLongSide / Math.max(width, height),
    Math.sqrt(limits.maxPixels / (width * height)),
  );
  if (scale === 1) return { width, height };
  // The epsilon keeps 7000 × (2048 / 7000) at 2048 despite floating-point error.
  let fittedWidth = Math.max(1, Math.floor(width * scale + 1e-9));
  let fittedHeight = Math.max(1, Math.floor(height * scale + 1e-9));
  const minShort = Math.ceil(Math.max(fittedWidth, fittedHeight) / MAX_ASPECT_RATIO);
  if (fittedWidth < fittedHeight) fittedWidth = Math.min(width, Math.max(fittedWidth, minShort));
  else fittedHeight = Math.min(height, Math.max(fittedHeight, minShort));
  return { width: fittedWidth, height: fittedHeight };
}

function formatMegapixels(pixels: number): string {
  return `${(pixels / 1_000_000).toFixed(1)} megapixels`;
}
