import type { ImageSize } from "./image-limits.ts";

/** An axis-aligned box in pixels: left, top, right, bottom. */
export type PixelBox = readonly [xMin: number, yMin: number, xMax: number, yMax: number];

/**
 * Maps a pixel box from one size of the same image to another, e.g. from the downscaled image the CPU engine
 * read back to the size the user uploaded. Coordinates are clamped to the target image and not rounded.
 */
export function scaleBox(
  box: PixelBox,
  fromSize: ImageSize,
  toSize: ImageSize,
): [number, number, number, number] {
  const scaleX = toSize.width / fromSize.width;
  const scaleY = toSize.height / fromSize.height;
  const clamp = (value: number, max: number) => Math.min(Math.max(value, 0), max);
  return [
    clamp(box[0] * scaleX, toSize.width),
    clamp(box[1] * scaleY, toSize.height),
    clamp(box[2] * scaleX, toSize.width),
    clamp(box[3] * scaleY, toSize.height),
  ];
}
