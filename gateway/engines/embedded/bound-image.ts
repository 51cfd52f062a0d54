import sharp, { type Sharp } from "sharp";
import { findContentBounds, type GrayRaster } from "../../images/content-bounds.ts";
import type { PixelBox } from "../ocr-engine.ts";
import { detectorInputSize } from "./run-detector.ts";

/** Raw RGB pixels (3 bytes a pixel, row by row). */
export interface RgbRaster {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * A page decoded, oriented and cropped to its content, in the two sizes the models read: an RGB copy bounded for
 * detection, and a finer grey copy that text lines are cut from for recognition.
 */
export interface PageRaster {
  /** Size of the image given (after EXIF orientation): the space results are reported in. */
  width: number;
  height: number;
  /** The part of the page that holds anything but background, in pixels of the image given. */
  content: PixelBox;
  /** `content`, longest side at most `maxLongSide`, both sides multiples of 32 (what the detector accepts). */
  detection: RgbRaster;
  /** `content` in grey, longest side at most `RECOGNITION_LONG_SIDE_FACTOR` × `maxLongSide`. */
  recognition: GrayRaster;
}

/** Thrown when the bytes are not an image sharp can decode. */
export class UndecodableImageError extends Error {}

/** Side of the small copy the content is looked for in; averaging down to it removes specks and JPEG noise. */
const OVERVIEW_SIDE = 512;
/** Kept around the content, in overview pixels (~1 % of the page), so no stroke at its edge is cut. */
const CONTENT_MARGIN = 6;
/**
 * Lines are cut from a copy up to this many times finer than the detector's: a receipt shrunk to 1,600 px for
 * detection still hands the recogniser its text at scan resolution.
 */
export const RECOGNITION_LONG_SIDE_FACTOR = 2.5;

function undecodable(error: unknown): never {
  throw new UndecodableImageError("The image could not be decoded", { cause: error });
}

function oriented(bytes: Uint8Array): Sharp {
  return sharp(bytes, { limitInputPixels: false }).autoOrient().flatten({ background: "#ffffff" });
}

async function contentBox(bytes: Uint8Array, width: number, height: number): Promise<PixelBox> {
  const { data, info } = await oriented(bytes)
    .greyscale()
    .resize({ width: OVERVIEW_SIDE, height: OVERVIEW_SIDE, fit: "inside", withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch(undecodable);
  const found = findContentBounds({ data, width: info.width, height: info.height }, CONTENT_MARGIN);
  if (found === null) return { x: 0, y: 0, width, height };
  const sx = width / info.width;
  const sy = height / info.height;
  const x = Math.floor(found.x * sx);
  const y = Math.floor(found.y * sy);
  return {
    x,
    y,
    width: Math.min(width, Math.ceil((found.x + found.width) * sx)) - x,
    height: Math.min(height, Math.ceil((found.y + found.height) * sy)) - y,
  };
}

function fitInside(width: number, height: number, longSide: number): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Decodes `bytes`, applies EXIF orientation, flattens transparency onto white (transparent pixels would read as
 * black), crops to the content (a receipt scanned on an A4 flatbed keeps its text height instead of being shrunk
 * with the empty page) and produces the detector's and the recogniser's copies. Never enlarges beyond the 32-pixel
 * rounding. Scans can be 7000 px tall: detection on the full image used 14 GB, so bounding comes before inference.
 */
export async function boundImage(bytes: Uint8Array, maxLongSide: number): Promise<PageRaster> {
  let width: number;
  let height: number;
  try {
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    ({ width, height } = metadata.autoOrient);
  } catch (error) {
    undecodable(error);
  }
  const content = await contentBox(bytes, width, height);
  const fine = fitInside(content.width, content.height, maxLongSide * RECOGNITION_LONG_SIDE_FACTOR);
  const { data: rgb } = await oriented(bytes)
    .extract({ left: content.x, top: content.y, width: content.width, height: content.height })
    .resize({ width: fine.width, height: fine.height, fit: "fill" })
    .toColourspace("srgb")
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch(undecodable);
  const asRaw = { raw: { width: fine.width, height: fine.height, channels: 3 as const } };
  const detectionSize = detectorInputSize(content.width, content.height, maxLongSide);
  const [detection, gray] = await Promise.all([
    sharp(rgb, asRaw)
      .resize({ ...detectionSize, fit: "fill" })
      .raw()
      .toBuffer(),
    sharp(rgb, asRaw).greyscale().raw().toBuffer(),
  ]);
  return {
    width,
    height,
    content,
    detection: { data: detection, ...detectionSize },
    recognition: { data: gray, ...fine },
  };
}
