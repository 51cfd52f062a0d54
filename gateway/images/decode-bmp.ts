import { createCanvas, Image } from "@napi-rs/canvas";
import { BadRequestError } from "../errors.ts";
import type { ImageSize } from "./image-limits.ts";

const BI_RGB = 0;
const BI_BITFIELDS = 3;

/** Reads a BMP's dimensions from its header and checks that uncompressed pixel data is all there. */
export function readBmpSize(bytes: Uint8Array): ImageSize {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerSize = view.getUint32(14, true);
  const isCoreHeader = headerSize === 12;
  const width = isCoreHeader ? view.getUint16(18, true) : view.getInt32(18, true);
  const height = Math.abs(isCoreHeader ? view.getInt16(20, true) : view.getInt32(22, true));
  const bitsPerPixel = view.getUint16(isCoreHeader ? 24 : 28, true);
  const compression = isCoreHeader ? BI_RGB : view.getUint32(30, true);
  if (width <= 0 || height <= 0 || bitsPerPixel === 0) throw invalidBmp();
  // Skia fills missing rows silently, so truncation has to be caught here (compressed BMPs are rare).
  if (compression === BI_RGB || compression === BI_BITFIELDS) {
    const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
    const pixelOffset = view.getUint32(10, true);
    if (pixelOffset + rowBytes * height > bytes.length) throw invalidBmp();
  }
  return { width, height };
}

/**
 * Decodes a BMP (which sharp's prebuilt libvips cannot read) with Skia into raw RGBA pixels.
 * Call `readBmpSize` and check the limits first: this allocates width × height × 4 bytes.
 */
export async function decodeBmp(
  bytes: Uint8Array,
): Promise<{ pixels: Buffer; width: number; height: number }> {
  const image = new Image();
  image.src = bytes;
  try {
    await image.decode();
  } catch (error) {
    throw invalidBmp(error);
  }
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  return {
    pixels: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    width: image.width,
    height: image.height,
  };
}

function invalidBmp(cause?: unknown): InstanceType<typeof BadRequestError> {
  return new BadRequestError(
    "invalid_image",
    "The BMP image could not be decoded: it is corrupt or truncated. Re-save it as PNG or JPEG and retry.",
    cause === undefined ? {} : { cause },
  );
}
