import sharp from "sharp";
import type { NormalizedImage } from "./normalize-image.ts";
import { type PageRotation, rotatedSize } from "./page-rotation.ts";

/** Same settings as `normalizeImage`: 4:4:4 keeps thin coloured text crisp. */
const JPEG_OPTIONS = { quality: 90, chromaSubsampling: "4:4:4" } as const;

/**
 * Turns a prepared image `rotation` degrees clockwise, in its own format (PNG stays lossless). Every size the
 * image reports turns with it, so the result reads as if the caller had sent the page that way.
 */
export async function rotateImage(image: NormalizedImage, rotation: PageRotation): Promise<NormalizedImage> {
  if (rotation === 0) return image;
  // An explicit angle never applies EXIF orientation (already applied when the image was prepared).
  const turned = sharp(image.data).rotate(rotation);
  const data = await (image.mediaType === "image/png" ? turned.png() : turned.jpeg(JPEG_OPTIONS)).toBuffer();
  const size = rotatedSize({ width: image.width, height: image.height }, rotation);
  const original = rotatedSize({ width: image.originalWidth, height: image.originalHeight }, rotation);
  return {
    ...image,
    data,
    width: size.width,
    height: size.height,
    originalWidth: original.width,
    originalHeight: original.height,
    reencoded: true,
  };
}
