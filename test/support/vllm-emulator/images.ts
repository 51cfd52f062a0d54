import sharp from "sharp";
import { preprocessingError, UncaughtServerError, VllmError } from "./errors.ts";
import { pyBytes, pyFloat } from "./python-format.ts";
import type { VersionFeatures } from "./version.ts";

const patchFactor = 32;
const minPixels = 512 * 512;
const maxPixels = 2048 * 2048;
const maxAspectRatio = 200;

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * Decodes a `data:` URL as vLLM's MediaConnector does (the media type is not checked, `;base64` is required),
 * reads the image header with sharp, then decodes the pixels as PIL's `image.load()` does. The emulator never
 * fetches http(s) URLs (documented deviation).
 */
export async function loadImageSize(url: string, features: VersionFeatures): Promise<ImageSize> {
  const bytes = decodeImageUrl(url);
  let size: ImageSize;
  try {
    const metadata = await sharp(bytes).metadata();
    if (metadata.width === undefined || metadata.height === undefined) throw new Error("no size");
    size = { width: metadata.width, height: metadata.height };
  } catch {
    // PIL's UnidentifiedImageError, re-raised by vLLM as ValueError(str(e)) from e, printed with its cause.
    const pilMessage = "cannot identify image file <_io.BytesIO object at 0x7f5c3a2e1d50>";
    throw new VllmError(`${pilMessage} ${pilMessage}`);
  }
  if (!(await decodesFully(bytes))) throw corruptImageError(bytes, features);
  return size;
}

/** Whether every pixel can be read (a shrink-on-load decode still reads the whole compressed stream). */
async function decodesFully(bytes: Buffer): Promise<boolean> {
  try {
    await sharp(bytes, { failOn: "truncated" })
      .resize(64, 64, { fit: "inside", withoutEnlargement: true })
      .raw()
      .toBuffer();
    return true;
  } catch {
    return false;
  }
}

/**
 * A valid header over a truncated or corrupt body: PIL's `OSError` escapes vLLM's handlers before 0.19 (a
 * plain-text 500). From 0.19 it is a 400 whose message carries the image's bytes (`original_bytes=b'…'`), so
 * it is as large as the image.
 */
function corruptImageError(bytes: Buffer, features: VersionFeatures): Error {
  if (features.corruptImageIsPlain500) return new UncaughtServerError("image file is truncated");
  return preprocessingError(
    `Failed to load image: image file is truncated, original_bytes=${pyBytes(bytes)}`,
  );
}

function decodeImageUrl(url: string): Buffer {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === "data") {
    const comma = url.indexOf(",");
    const spec = url.slice(5, comma === -1 ? url.length : comma);
    const dataType = spec.includes(";") ? spec.slice(spec.indexOf(";") + 1) : "";
    if (comma === -1 || dataType !== "base64") {
      throw preprocessingError("Only base64 data URLs are supported for now.");
    }
    return Buffer.from(url.slice(comma + 1), "base64");
  }
  if (scheme === "http" || scheme === "https") {
    throw new VllmError(
      "The vLLM emulator does not fetch http(s) image URLs (real vLLM would download them): send a data: URL.",
    );
  }
  if (scheme === "file") {
    throw preprocessingError("Cannot load local files without `--allowed-local-media-path`.");
  }
  throw preprocessingError("The URL must be either a HTTP, data or file URL.");
}

/**
 * HunyuanOCR's processor resize: multiples of 32, total pixels kept within 512²..2048²; an aspect ratio
 * over 200 is an error (400).
 */
export function resizeForModel({ width, height }: ImageSize): ImageSize {
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (ratio > maxAspectRatio) {
    throw new VllmError(
      `absolute aspect ratio must be smaller than ${maxAspectRatio}, got ${pyFloat(ratio)}`,
    );
  }
  let resizedHeight = roundHalfEven(height / patchFactor) * patchFactor;
  let resizedWidth = roundHalfEven(width / patchFactor) * patchFactor;
  if (resizedHeight * resizedWidth > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    resizedHeight = Math.max(patchFactor, Math.floor(height / beta / patchFactor) * patchFactor);
    resizedWidth = Math.max(patchFactor, Math.floor(width / beta / patchFactor) * patchFactor);
  } else if (resizedHeight * resizedWidth < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    resizedHeight = Math.ceil((height * beta) / patchFactor) * patchFactor;
    resizedWidth = Math.ceil((width * beta) / patchFactor) * patchFactor;
  }
  return { width: resizedWidth, height: resizedHeight };
}

/** Prompt tokens of one image: `(H'/32) × (W'/32 + 1) + 2` for the resized H'×W'. */
export function imageTokenCount(size: ImageSize): number {
  const resized = resizeForModel(size);
  return (resized.height / patchFactor) * (resized.width / patchFactor + 1) + 2;
}

// Python's round() rounds halves to even.
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
