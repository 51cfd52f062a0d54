import type { Sharp } from "sharp";
import { BadRequestError, UnsupportedMediaTypeError } from "../errors.ts";
import {
  detectMediaType,
  isSupportedImageKind,
  mediaCategoryOf,
  SUPPORTED_IMAGE_KINDS,
  type SupportedImageKind,
} from "./detect-media-type.ts";
import { fitWithinLimits, type ImageLimits } from "./image-limits.ts";
import { type ImageSource, readImagePageCount, readImageSource, toImageError } from "./image-source.ts";

export type NormalizedMediaType = "image/jpeg" | "image/png";

/** An image ready to send to a model. */
export interface NormalizedImage {
  data: Buffer;
  mediaType: NormalizedMediaType;
  /** Size of `data`, as sent to the model. */
  width: number;
  height: number;
  /** Size as the user sees the input, i.e. after EXIF rotation and before downscaling. */
  originalWidth: number;
  originalHeight: number;
  /** `width / originalWidth`: 1 when not downscaled, below 1 otherwise. */
  scale: number;
  /** False when `data` is the caller's input, byte for byte. */
  reencoded: boolean;
  /** Pages or frames in the input (multi-page TIFF, animated GIF/WebP); 1 for ordinary images. */
  pageCount: number;
  /** The input's format, from its magic bytes. */
  sourceKind: SupportedImageKind;
}

export interface NormalizeImageOptions {
  /** 0-based page (or frame) of a multi-page input. Default 0. */
  page?: number;
}

/** Formats whose pixels are exact: re-encoded as PNG so text edges stay sharp (screenshots, scans, faxes). */
const LOSSLESS_SOURCES: ReadonlySet<SupportedImageKind> = new Set(["png", "gif", "bmp", "tiff"]);
/** 4:4:4 keeps thin coloured text (stamps, red totals) crisp; q90 is visually lossless for OCR. */
const JPEG_OPTIONS = { quality: 90, chromaSubsampling: "4:4:4" } as const;
const WHITE = { r: 255, g: 255, b: 255 };

/**
 * Prepares an uploaded image for the model: EXIF orientation applied, transparency flattened onto white,
 * 8-bit sRGB (or greyscale), downscaled (never upscaled, aspect ratio kept) to fit `limits`.
 *
 * A JPEG or PNG that already satisfies all of this is returned untouched (`reencoded: false`) after a full
 * strict decode, so truncated files are still caught. Anything else is re-encoded: PNG when the source was
 * lossless (PNG, GIF, BMP, TIFF), JPEG quality 90 otherwise (photos: WebP, AVIF, JPEG).
 *
 * Throws 400 `empty_file`, 415 `unsupported_media_type` (unknown format, PDF, video, HEIC), 400 `invalid_image`
 * (corrupt or truncated), 413 `image_too_many_pixels`, 400 `image_too_small`, 400 `image_aspect_ratio_too_large`,
 * 400 `page_out_of_range`.
 */
export async function normalizeImage(
  input: Uint8Array,
  limits: ImageLimits,
  options: NormalizeImageOptions = {},
): Promise<NormalizedImage> {
  const kind = identifyImage(input);
  const source = await readImageSource(input, kind, options.page ?? 0, limits);
  const target = fitWithinLimits(source, limits);
  const result = {
    width: target.width,
    height: target.height,
    originalWidth: source.width,
    originalHeight: source.height,
    scale: target.width / source.width,
    pageCount: source.pageCount,
    sourceKind: kind,
  };
  const resized = target.width !== source.width || target.height !== source.height;
  if (!resized && (await canPassThrough(source))) {
    const data = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    return { ...result, data, mediaType: kind === "png" ? "image/png" : "image/jpeg", reencoded: false };
  }
  let pipeline = source.decode();
  if (resized) pipeline = pipeline.resize(target.width, target.height, { fit: "fill" });
  if (source.hasAlpha) pipeline = pipeline.flatten({ background: WHITE });
  pipeline = pipeline.toColourspace(source.isGreyscale ? "b-w" : "srgb");
  const mediaType: NormalizedMediaType = LOSSLESS_SOURCES.has(kind) ? "image/png" : "image/jpeg";
  const data = await encode(pipeline, mediaType);
  return { ...result, data, mediaType, reencoded: true };
}

/** Number of pages or frames in an image file (multi-page TIFF, animated GIF/WebP); 1 for single images. */
export async function countImagePages(input: Uint8Array): Promise<number> {
  return readImagePageCount(input, identifyImage(input));
}

/** Encodes an image as a base64 `data:` URL, the form the model's API expects. */
export function toDataUrl(image: Pick<NormalizedImage, "data" | "mediaType">): string {
  return `data:${image.mediaType};base64,${image.data.toString("base64")}`;
}

/** The input's format from its magic bytes: 400 `empty_file`, 415 for anything that is not a readable image. */
export function identifyImage(input: Uint8Array): SupportedImageKind {
  if (input.length === 0) {
    throw new BadRequestError("empty_file", "The file is empty. Send the image's bytes.");
  }
  const kind = detectMediaType(input);
  const supported = `Supported image formats: ${SUPPORTED_IMAGE_KINDS.join(", ")}.`;
  if (kind === null) {
    throw new UnsupportedMediaTypeError(
      "unsupported_media_type",
      `The file is not a recognised image. ${supported}`,
    );
  }
  if (isSupportedImageKind(kind)) return kind;
  const category = mediaCategoryOf(kind);
  const hint =
    category === "document"
      ? "PDFs are accepted as documents, not as images: send it as a document."
      : category === "video"
        ? "Videos are not accepted here: send frames as images."
        : "HEIC/HEIF images cannot be decoded: convert it to JPEG.";
  throw new UnsupportedMediaTypeError(
    "unsupported_media_type",
    `This is a ${kind.toUpperCase()} file. ${hint} ${supported}`,
  );
}

/** Passing the caller's bytes through is only safe when they decode fully and need no pixel change. */
async function canPassThrough(source: ImageSource): Promise<boolean> {
  if ((source.kind !== "jpeg" && source.kind !== "png") || source.orientationChanged || !source.isPlain8Bit) {
    return false;
  }
  try {
    const stats = await source.decode().stats();
    return !source.hasAlpha || stats.isOpaque;
  } catch (error) {
    throw toImageError(error);
  }
}

async function encode(pipeline: Sharp, mediaType: NormalizedMediaType): Promise<Buffer> {
  try {
    return await (mediaType === "image/png" ? pipeline.png() : pipeline.jpeg(JPEG_OPTIONS)).toBuffer();
  } catch (error) {
    throw toImageError(error);
  }
}
