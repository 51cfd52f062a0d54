import type { PixelBox } from "../engines/ocr-engine.ts";

/** A grey-level raster, one byte per pixel, row by row. */
export interface GrayRaster {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A pixel belongs to the content when it differs from the page's background level by more than this. */
const INK_CONTRAST = 48;

/** The most common grey level along the raster's outer frame (the page around the document). */
function backgroundLevel(raster: GrayRaster): number {
  const { data, width, height } = raster;
  const histogram = new Uint32Array(256);
  const frame = Math.max(1, Math.round(Math.min(width, height) * 0.02));
  for (let y = 0; y < height; y++) {
    const inFrameRow = y < frame || y >= height - frame;
    for (let x = 0; x < width; x++) {
      if (inFrameRow || x < frame || x >= width - frame)
        histogram[data[y * width + x] as number] = (histogram[data[y * width + x] as number] as number) + 1;
    }
  }
  let mode = 255;
  for (let level = 0; level < 256; level++) {
    if ((histogram[level] as number) > (histogram[mode] as number)) mode = level;
  }
  return mode;
}

/**
 * The rectangle that holds everything that is not page background, grown by `margin` pixels on each side and
 * clipped to the raster, or null when the raster holds nothing but background. Meant for a small, area-averaged
 * copy of a page (a few hundred pixels across), where averaging has already dissolved isolated specks and JPEG
 * noise; scale the answer back to the full image.
 */
export function findContentBounds(raster: GrayRaster, margin: number): PixelBox | null {
  const { data, width, height } = raster;
  if (width === 0 || height === 0) return null;
  const background = backgroundLevel(raster);
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (Math.abs((data[y * width + x] as number) - background) <= INK_CONTRAST) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      bottom = y;
    }
  }
  if (right < 0) return null;
  const x = Math.max(0, left - margin);
  const y = Math.max(0, top - margin);
  return {
    x,
    y,
    width: Math.min(width, right + 1 + margin) - x,
    height: Math.min(height, bottom + 1 + margin) - y,
  };
}
