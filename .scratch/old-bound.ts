import sharp from "sharp";

/** An image decoded, oriented and shrunk to fit the model, re-encoded losslessly for the OCR library. */
export interface BoundedImage {
  png: ArrayBuffer;
  /** Size of the image given (after EXIF orientation): the space results are reported in. */
  width: number;
  height: number;
  /** Given pixels per bounded pixel, per axis (1 when the image already fit). */
  scaleX: number;
  scaleY: number;
}

/** Thrown when the bytes are not an image sharp can decode. */
export class UndecodableImageError extends Error {}

/**
 * Decodes `bytes`, applies EXIF orientation, flattens transparency onto white (transparent pixels would read as
 * black), converts to sRGB and shrinks so the longest side is at most `maxLongSide` (never enlarges). Scans can be
 * 7000 px tall: detection on the full image used 14 GB, so bounding comes before any inference.
 */
export async function boundImage(bytes: Uint8Array, maxLongSide: number): Promise<BoundedImage> {
  let width: number;
  let height: number;
  try {
    const metadata = await sharp(bytes).metadata();
    ({ width, height } = metadata.autoOrient);
  } catch (error) {
    throw new UndecodableImageError("The image could not be decoded", { cause: error });
  }
  const { data, info } = await sharp(bytes)
    .autoOrient()
    .resize({ width: maxLongSide, height: maxLongSide, fit: "inside", withoutEnlargement: true })
    .flatten({ background: "#ffffff" })
    .toColourspace("srgb")
    .png({ compressionLevel: 1 })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw new UndecodableImageError("The image could not be decoded", { cause: error });
    });
  const png = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  return { png, width, height, scaleX: width / info.width, scaleY: height / info.height };
}
