import type { GrayRaster } from "../../images/content-bounds.ts";
import { regionFrame, type TextRegion } from "./detect-text.ts";

/** One text line straightened and scaled to a fixed height, grey, one byte per pixel. */
export interface LineImage {
  data: Uint8Array;
  width: number;
  height: number;
}

function bilinear(raster: GrayRaster, x: number, y: number): number {
  const { data, width, height } = raster;
  // Continuous coordinates to pixel centres; outside the raster reads as paper (white).
  const fx = x - 0.5;
  const fy = y - 0.5;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const ax = fx - x0;
  const ay = fy - y0;
  const left = x0 >= 0 && x0 < width;
  const right = x0 + 1 >= 0 && x0 + 1 < width;
  const upper = y0 >= 0 && y0 < height;
  const lower = y0 + 1 >= 0 && y0 + 1 < height;
  const row0 = y0 * width;
  const row1 = row0 + width;
  const p00 = left && upper ? (data[row0 + x0] as number) : 255;
  const p10 = right && upper ? (data[row0 + x0 + 1] as number) : 255;
  const p01 = left && lower ? (data[row1 + x0] as number) : 255;
  const p11 = right && lower ? (data[row1 + x0 + 1] as number) : 255;
  return (p00 * (1 - ax) + p10 * ax) * (1 - ay) + (p01 * (1 - ax) + p11 * ax) * ay;
}

/**
 * Cuts `region` (in pixels of a raster `scale` times coarser than `raster`) out of `raster` along its own axis
 * and scales it to `height` pixels high, keeping its aspect ratio up to `maxWidth`. Each output pixel averages a
 * grid of up to 2 × 2 bilinear samples, so shrinking a finer scan does not alias thin strokes away.
 */
export function cutLine(
  raster: GrayRaster,
  region: TextRegion,
  scale: { x: number; y: number },
  height: number,
  maxWidth: number,
): LineImage {
  const { centerX, centerY, length, thickness, alongX, alongY, acrossX, acrossY } = regionFrame(
    region,
    scale,
  );
  const width = Math.max(4, Math.min(maxWidth, Math.round((height * length) / thickness)));
  const stepAlong = length / width;
  const stepAcross = thickness / height;
  const samples = Math.max(1, Math.min(2, Math.ceil(Math.max(stepAlong, stepAcross))));
  const data = new Uint8Array(width * height);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      let total = 0;
      for (let sy = 0; sy < samples; sy++) {
        const across = (row + (sy + 0.5) / samples) * stepAcross - thickness / 2;
        for (let sx = 0; sx < samples; sx++) {
          const along = (column + (sx + 0.5) / samples) * stepAlong - length / 2;
          total += bilinear(
            raster,
            centerX + along * alongX + across * acrossX,
            centerY + along * alongY + across * acrossY,
          );
        }
      }
      data[row * width + column] = Math.round(total / (samples * samples));
    }
  }
  return { data, width, height };
}
