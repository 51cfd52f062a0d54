import { regionFrame, type TextRegion } from "../embedded/detect-text.ts";

/** Decoded pixels, interleaved, `channels` bytes per pixel (3 or 4: the first three are R, G, B). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** PP-OCR's direction classifier reads lines resized to this height, padded to this width. */
export const CLASSIFIER_HEIGHT = 48;
export const CLASSIFIER_WIDTH = 192;

/**
 * Cuts each region (in pixels of a detection raster `scale` times coarser than `image`) out of `image` along its
 * own axis, as the direction classifier wants it (PP-OCR's `resize_norm_img`): height 48, width in proportion up
 * to 192 (longer lines are squeezed), pixels scaled to −1…1 in B, G, R planes, zeros to the right. Lines are read
 * left to right, or with `turned` bottom to top, as if the page were turned 90° clockwise. Each output pixel
 * averages up to 4×4 source samples so squeezed crops do not alias. Returns the `[n, 3, 48, 192]` tensor's data.
 */
export function lineCropTensor(
  image: RawImage,
  regions: readonly TextRegion[],
  scale: { x: number; y: number },
  turned: boolean,
): Float32Array {
  const plane = CLASSIFIER_HEIGHT * CLASSIFIER_WIDTH;
  const tensor = new Float32Array(regions.length * 3 * plane);
  const { data, width, height, channels } = image;
  regions.forEach((region, n) => {
    // The detector's axis points right, or down when vertical: flip it to the direction the line is read in.
    const flip = (turned ? region.axisY > 0 : region.axisX < 0) ? -1 : 1;
    const { centerX, centerY, length, thickness, alongX, alongY, acrossX, acrossY } = regionFrame(
      { ...region, axisX: flip * region.axisX, axisY: flip * region.axisY },
      scale,
    );
    const outWidth = Math.max(
      1,
      Math.min(CLASSIFIER_WIDTH, Math.ceil((CLASSIFIER_HEIGHT * length) / thickness)),
    );
    const stepX = length / outWidth;
    const stepY = thickness / CLASSIFIER_HEIGHT;
    const samplesX = Math.min(4, Math.max(1, Math.ceil(stepX)));
    const samplesY = Math.min(4, Math.max(1, Math.ceil(stepY)));
    const base = n * 3 * plane;
    for (let v = 0; v < CLASSIFIER_HEIGHT; v++) {
      for (let u = 0; u < outWidth; u++) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let sy = 0; sy < samplesY; sy++) {
          const across = (v + (sy + 0.5) / samplesY) * stepY - thickness / 2;
          for (let sx = 0; sx < samplesX; sx++) {
            const along = (u + (sx + 0.5) / samplesX) * stepX - length / 2;
            const x = Math.min(
              width - 1,
              Math.max(0, Math.floor(centerX + along * alongX + across * acrossX)),
            );
            const y = Math.min(
              height - 1,
              Math.max(0, Math.floor(centerY + along * alongY + across * acrossY)),
            );
            const offset = (y * width + x) * channels;
            r += data[offset] ?? 0;
            g += data[offset + 1] ?? 0;
            b += data[offset + 2] ?? 0;
          }
        }
        const count = samplesX * samplesY;
        const at = v * CLASSIFIER_WIDTH + u;
        tensor[base + at] = b / count / 127.5 - 1;
        tensor[base + plane + at] = g / count / 127.5 - 1;
        tensor[base + 2 * plane + at] = r / count / 127.5 - 1;
      }
    }
  });
  return tensor;
}
