import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  CLASSIFIER_HEIGHT,
  CLASSIFIER_WIDTH,
  lineCropTensor,
  type RawImage,
} from "../../../gateway/engines/orientation/line-crops.ts";
import type { TextRegion } from "../../../gateway/engines/orientation/text-regions.ts";
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

describe("lineCropTensor", () => {
  it("crops, scales to −1…1 in B, G, R order and pads with zeros", () => {
    const white: RawImage = {
      data: new Uint8Array(100 * 20 * 3).fill(255),
      width: 100,
      height: 20,
      channels: 3,
    };
    const region: TextRegion = { x1: 0, y1: 0, x2: 40, y2: 12, score: 1 };
    const tensor = lineCropTensor(white, [region], false);
    expect(tensor).toHaveLength(3 * CLASSIFIER_HEIGHT * CLASSIFIER_WIDTH);
    // 40 × 12 at height 48 is 160 wide; the rest of each row is padding.
    expect(tensor[0]).toBe(1);
    expect(tensor[159]).toBe(1);
    expect(tensor[160]).toBe(0);
  });

  it("reads a turned crop as the same region of the page turned 90° clockwise", async () => {
    const page = pattern(60, 200);
    // A tall region, i.e. a line of a page lying on its side.
    const region: TextRegion = { x1: 20, y1: 30, x2: 44, y2: 150, score: 1 };
    const { data, info } = await sharp(page.data, { raw: { width: 60, height: 200, channels: 3 } })
      .rotate(90)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const turnedPage: RawImage = { data, width: info.width, height: info.height, channels: 3 };
    const [ax, ay] = toUprightPoint([region.x1, region.y1], 90, page);
    const [bx, by] = toUprightPoint([region.x2, region.y2], 90, page);
    const uprightRegion: TextRegion = {
      x1: Math.min(ax, bx),
      y1: Math.min(ay, by),
      x2: Math.max(ax, bx),
      y2: Math.max(ay, by),
      score: 1,
    };
    const turned = lineCropTensor(page, [region], true);
    const upright = lineCropTensor(turnedPage, [uprightRegion], false);
    let differing = 0;
    for (let i = 0; i < turned.length; i++)
      if (Math.abs((turned[i] ?? 0) - (upright[i] ?? 0)) > 1e-6) differing++;
    expect(differing).toBe(0);
  });
});
