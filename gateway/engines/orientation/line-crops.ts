import type { TextRegion } from "./text-regions.ts";

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
 * Cuts each region out of `image` as the direction classifier wants it (PP-OCR's `resize_norm_img`): height 48,
 * width in proportion up to 192 (longer lines are squeezed), pixels scaled to −1…1 in B, G, R planes, zeros to
 * the right. With `turned`, each crop is first turned 90° clockwise, as if the page were. Each output pixel
 * averages up to 4×4 source samples so tall crops do not alias. Returns the `[n, 3, 48, 192]` tensor's data.
 */
export function lineCropTensor(
  image: RawImage,
  regions: readonly TextRegion[],
  turned: boolean,
): Float32Array {
  const plane = CLASSIFIER_HEIGHT * CLASSIFIER_WIDTH;
  const tensor = new Float32Array(regions.length * 3 * plane);
  const { data, width, height, channels } = image;
  regions.forEach((region, n) => {
    const regionWidth = region.x2 - region.x1;
    const regionHeight = region.y2 - region.y1;
    // The crop as the classifier sees it: turned crops swap their sides.
    const cropWidth = turned ? regionHeight : regionWidth;
    const cropHeight = turned ? regionWidth : regionHeight;
    const outWidth = Math.max(
      1,
      Math.min(CLASSIFIER_WIDTH, Math.ceil((CLASSIFIER_HEIGHT * cropWidth) / cropHeight)),
    );
    const stepX = cropWidth / outWidth;
    const stepY = cropHeight / CLASSIFIER_HEIGHT;
    const samplesX = Math.min(4, Math.max(1, Math.ceil(stepX)));
    const samplesY = Math.min(4, Math.max(1, Math.ceil(stepY)));
    const base = n * 3 * plane;
    for (let v = 0; v < CLASSIFIER_HEIGHT; v++) {
      for (let u = 0; u < outWidth; u++) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let sy = 0; sy < samplesY; sy++) {
          const cy = (v + (sy + 0.5) / samplesY) * stepY;
          for (let sx = 0; sx < samplesX; sx++) {
            const cx = (u + (sx + 0.5) / samplesX) * stepX;
            // Crop-local (cx, cy) to image pixels; a turned crop's top-left is the region's bottom-left.
            const px = turned ? region.x1 + cy : region.x1 + cx;
            const py = turned ? region.y2 - cx : region.y1 + cy;
            const x = Math.min(width - 1, Math.max(0, Math.floor(px)));
            const y = Math.min(height - 1, Math.max(0, Math.floor(py)));
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
