import sharp, { type Metadata, type Sharp, type SharpOptions } from "sharp";
import { BadRequestError, type GatewayError, PayloadTooLargeError } from "../errors.ts";
import { decodeBmp, readBmpSize } from "./decode-bmp.ts";
import type { SupportedImageKind } from "./detect-media-type.ts";
import { assertImageSizeAcceptable, type ImageLimits } from "./image-limits.ts";

/** What is known about one page of an input image after reading its header, before decoding its pixels. */
export interface ImageSource {
  kind: SupportedImageKind;
  /** Pages or frames in the file (multi-page TIFF, animated GIF/WebP); 1 otherwise. */
  pageCount: number;
  /** Size as the user sees it, i.e. after the EXIF orientation is applied. */
  width: number;
  height: number;
  /** The EXIF orientation asks for a rotation or flip. */
  orientationChanged: boolean;
  hasAlpha: boolean;
  /** 8-bit sRGB or greyscale: what any decoder on the model side reads without surprises. */
  isPlain8Bit: boolean;
  isGreyscale: boolean;
  /** A sharp pipeline that decodes the selected page strictly, already oriented. */
  decode(): Sharp;
}

/**
 * "error" rejects truncated and corrupt pixel data (sharp's metadata call alone reads only the header) but
 * tolerates libjpeg warnings such as extraneous bytes, which many cameras produce.
 */
const FAIL_ON = "error" as const;

/** Reads the header of `input` (already identified as `kind`) and checks page, size and ratio limits. */
export async function readImageSource(
  input: Uint8Array,
  kind: SupportedImageKind,
  page: number,
  limits: ImageLimits,
): Promise<ImageSource> {
  if (kind === "bmp") return readBmpSource(input, page, limits);
  const first = await readMetadata(input, { limitInputPixels: false });
  const pageCount = first.pages ?? 1;
  assertPageInRange(page, pageCount);
  const metadata = page === 0 ? first : await readMetadata(input, { limitInputPixels: false, page });
  const orientation = metadata.orientation ?? 1;
  const { width, height } = metadata.autoOrient;
  assertImageSizeAcceptable({ width, height }, limits);
  const options: SharpOptions = {
    failOn: FAIL_ON,
    limitInputPixels: limits.maxInputPixels,
    page,
    pages: 1,
    autoOrient: true,
  };
  return {
    kind,
    pageCount,
    width,
    height,
    orientationChanged: orientation !== 1,
    hasAlpha: metadata.hasAlpha,
    isPlain8Bit: (metadata.space === "srgb" || metadata.space === "b-w") && metadata.depth === "uchar",
    isGreyscale: metadata.space === "b-w" || metadata.space === "grey16",
    decode: () => sharp(input, options),
  };
}

/** Pages or frames in the file, from its header only. */
export async function readImagePageCount(input: Uint8Array, kind: SupportedImageKind): Promise<number> {
  if (kind === "bmp") return 1;
  const metadata = await readMetadata(input, { limitInputPixels: false });
  return metadata.pages ?? 1;
}

async function readBmpSource(input: Uint8Array, page: number, limits: ImageLimits): Promise<ImageSource> {
  assertPageInRange(page, 1);
  const { width, height } = readBmpSize(input);
  assertImageSizeAcceptable({ width, height }, limits);
  const { pixels } = await decodeBmp(input);
  return {
    kind: "bmp",
    pageCount: 1,
    width,
    height,
    orientationChanged: false,
    hasAlpha: true,
    isPlain8Bit: false,
    isGreyscale: false,
    decode: () =>
      sharp(pixels, { raw: { width, height, channels: 4 }, limitInputPixels: limits.maxInputPixels }),
  };
}

async function readMetadata(input: Uint8Array, options: SharpOptions): Promise<Metadata> {
  try {
    return await sharp(input, { failOn: FAIL_ON, ...options }).metadata();
  } catch (error) {
    throw toImageError(error);
  }
}

/** 400 `page_out_of_range` naming the valid range. */
export function assertPageInRange(page: number, pageCount: number): void {
  if (!Number.isInteger(page) || page < 0 || page >= pageCount) {
    const range = pageCount === 1 ? "only page 0" : `pages 0–${pageCount - 1}`;
    throw new BadRequestError(
      "page_out_of_range",
      `Page ${page} does not exist: the image has ${pageCount} page${pageCount === 1 ? "" : "s"} (${range}, 0-based).`,
      { param: "page" },
    );
  }
}

/**
 * Maps a sharp/libvips failure to the caller's mistake it almost always is. The libvips message stays in
 * `cause` for logs and never reaches the client.
 */
export function toImageError(error: unknown): GatewayError {
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes("pixel limit")) {
    return new PayloadTooLargeError(
      "image_too_many_pixels",
      "The image has more pixels than the gateway accepts. Downscale it before sending.",
      { cause: error },
    );
  }
  return new BadRequestError(
    "invalid_image",
    "The image could not be decoded: it is corrupt or truncated. Re-save it as JPEG or PNG and retry.",
    { cause: error },
  );
}
