import { readFile } from "node:fs/promises";
import { crc32 } from "node:zlib";
import sharp from "sharp";

import { receiptPath } from "../support/fixtures.ts";

/** A real scanned receipt from the SROIE sample (e.g. "000" is 463×1013). */
export function readReceipt(name: string): Promise<Buffer> {
  return readFile(receiptPath(name));
}

/** A 24-bit bottom-up BMP (BITMAPINFOHEADER), the most common kind, built from raw RGB pixels. */
export async function encodeBmp(image: Buffer): Promise<Buffer> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rowBytes = Math.ceil((info.width * 3) / 4) * 4;
  const bmp = Buffer.alloc(54 + rowBytes * info.height);
  bmp.write("BM", 0, "latin1");
  bmp.writeUInt32LE(bmp.length, 2);
  bmp.writeUInt32LE(54, 10);
  bmp.writeUInt32LE(40, 14);
  bmp.writeInt32LE(info.width, 18);
  bmp.writeInt32LE(info.height, 22);
  bmp.writeUInt16LE(1, 26);
  bmp.writeUInt16LE(24, 28);
  bmp.writeUInt32LE(rowBytes * info.height, 34);
  for (let y = 0; y < info.height; y++) {
    const rowStart = 54 + (info.height - 1 - y) * rowBytes;
    for (let x = 0; x < info.width; x++) {
      const from = (y * info.width + x) * 3;
      bmp[rowStart + x * 3] = data[from + 2] ?? 0;
      bmp[rowStart + x * 3 + 1] = data[from + 1] ?? 0;
      bmp[rowStart + x * 3 + 2] = data[from] ?? 0;
    }
  }
  return bmp;
}

/** Rewrites a PNG's IHDR so it claims another size (a decompression bomb's header), with a valid CRC. */
export function withDeclaredPngSize(png: Buffer, width: number, height: number): Buffer {
  const patched = Buffer.from(png);
  // Signature (8) + IHDR length (4) + "IHDR" (4): width and height follow, then the chunk's CRC at 29.
  patched.writeUInt32BE(width, 16);
  patched.writeUInt32BE(height, 20);
  patched.writeUInt32BE(crc32(patched.subarray(12, 29)), 29);
  return patched;
}

/** Mean absolute difference (0–255) between two images after both are reduced to the same small greyscale grid. */
export async function imageDifference(a: Buffer, b: Buffer): Promise<number> {
  // Decoding fully first avoids JPEG shrink-on-load, which would make the same pixels differ by format.
  const grid = async (image: Buffer) => {
    const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
    return sharp(data, { raw: info }).greyscale().resize(64, 64, { fit: "fill" }).raw().toBuffer();
  };
  const [left, right] = await Promise.all([grid(a), grid(b)]);
  let total = 0;
  for (let i = 0; i < left.length; i++) total += Math.abs((left[i] ?? 0) - (right[i] ?? 0));
  return total / left.length;
}

/** The RGB(A) value of one pixel. */
export async function pixelAt(image: Buffer, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const start = (y * info.width + x) * info.channels;
  return [...data.subarray(start, start + info.channels)];
}
