import sharp from "sharp";
import { describe, expect, it } from "vitest";
import type { TextRegion } from "../../../gateway/engines/embedded/detect-text.ts";
import {
  CLASSIFIER_HEIGHT,
  CLASSIFIER_WIDTH,
  lineCropTensor,
  type RawImage,
} from "../../../gateway/engines/orientation/line-crops.ts";
import { toUprightPoint } from "../../../gateway/images/page-rotation.ts";

/** A 3-channel image whose every pixel differs from its neighbours (so a wrong mapping shows). */
function pattern(width: number, height: number): RawImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      data[at] = (x * 7) % 256;
      data[at + 1] = (y * 5) % 256;
      data[at + 2] = (x * y) % 256;
    }
  }
  return { data, width, height, channels: 3 };
}

/** A region as the detector gives it: centre, axis along the text, length and thickness. */
function region(x: number, y: number, length: number, thickness: number, axisX = 1, axisY = 0): TextRegion {
  return { centerX: x, centerY: y, axisX, axisY, length, thickness, score: 1 };
}

function differing(a: Float32Array, b: Float32Array): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs((a[i] ?? 0) - (b[i] ?? 0)) > 1e-6) count++;
  return count;
}

const same = { x: 1, y: 1 };

describe("lineCropTensor", () => {
  it("crops, scales to −1…1 in B, G, R order and pads with zeros", () => {
    const image: RawImage = {
      data: new Uint8Array(100 * 20 * 3).fill(255),
      width: 100,
      height: 20,
      channels: 3,
    };
    // Pure blue, as R, G, B bytes: the tensor's first plane is B.
    for (let i = 0; i < image.data.length; i += 3) image.data.set([0, 0, 255], i);
    const tensor = lineCropTensor(image, [region(20, 6, 40, 12)], same, false);
    expect(tensor).toHaveLength(3 * CLASSIFIER_HEIGHT * CLASSIFIER_WIDTH);
    const plane = CLASSIFIER_HEIGHT * CLASSIFIER_WIDTH;
    // 40 × 12 at height 48 is 160 wide; the rest of each row is padding.
    expect([tensor[0], tensor[plane], tensor[2 * plane]]).toEqual([1, -1, -1]);
    expect(tensor[159]).toBe(1);
    expect(tensor[160]).toBe(0);
  });

  it("maps regions from the detector's coarser raster to the image", () => {
    const page = pattern(120, 80);
    const fine = lineCropTensor(page, [region(50, 40, 64, 16)], same, false);
    const coarse = lineCropTensor(page, [region(25, 20, 32, 8)], { x: 2, y: 2 }, false);
    expect(differing(coarse, fine)).toBe(0);
  });

  it("reads a turned crop as the same region of the page turned 90° clockwise", async () => {
    const page = pattern(60, 200);
    // A line running down, as on a page lying on its side (the detector's axis then points down).
    const down = region(32, 90, 120, 24, 0, 1);
    const { data, info } = await sharp(page.data, { raw: { width: 60, height: 200, channels: 3 } })
      .rotate(90)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const turnedPage: RawImage = { data, width: info.width, height: info.height, channels: 3 };
    const [x, y] = toUprightPoint([down.centerX, down.centerY], 90, page);
    const turned = lineCropTensor(page, [down], same, true);
    const upright = lineCropTensor(turnedPage, [region(x, y, 120, 24)], same, false);
    expect(differing(turned, upright)).toBe(0);
    // Whichever way the detector's axis points along the line, the line is read the same way.
    const up = region(32, 90, 120, 24, 0, -1);
    expect(differing(lineCropTensor(page, [up], same, true), turned)).toBe(0);
  });
});
