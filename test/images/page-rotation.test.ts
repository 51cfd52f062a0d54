import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  inverseRotation,
  PAGE_ROTATIONS,
  type PageRotation,
  rotatedSize,
  toSentBox,
  toSentPoint,
  toUprightPoint,
} from "../../gateway/images/page-rotation.ts";

const SENT = { width: 40, height: 100 };

/** Where the non-white pixels of a raw greyscale image are, as edges. */
async function inkBox(png: Buffer) {
  const { data, info } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  let x1 = info.width;
  let y1 = info.height;
  let x2 = 0;
  let y2 = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      if ((data[y * info.width + x] ?? 255) > 128) continue;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x + 1);
      y2 = Math.max(y2, y + 1);
    }
  }
  return { x1, y1, x2, y2, width: info.width, height: info.height };
}

describe("page rotation geometry", () => {
  it("swaps the sides for quarter turns only", () => {
    expect(rotatedSize(SENT, 0)).toEqual(SENT);
    expect(rotatedSize(SENT, 90)).toEqual({ width: 100, height: 40 });
    expect(rotatedSize(SENT, 180)).toEqual(SENT);
    expect(rotatedSize(SENT, 270)).toEqual({ width: 100, height: 40 });
  });

  it("maps each corner of the upright page to the right corner of the page as sent", () => {
    // The sent page's top-left corner, after turning clockwise, lands at these corners of the upright page.
    const uprightOfSentTopLeft: Record<PageRotation, [number, number]> = {
      0: [0, 0],
      90: [100, 0],
      180: [40, 100],
      270: [0, 40],
    };
    for (const rotation of PAGE_ROTATIONS) {
      const upright = rotatedSize(SENT, rotation);
      expect(toSentPoint(uprightOfSentTopLeft[rotation], rotation, upright)).toEqual([0, 0]);
      expect(toUprightPoint([0, 0], rotation, SENT)).toEqual(uprightOfSentTopLeft[rotation]);
    }
  });

  it("is undone by its inverse, for every angle and point", () => {
    for (const rotation of PAGE_ROTATIONS) {
      const upright = rotatedSize(SENT, rotation);
      for (const point of [
        [0, 0],
        [12.5, 7],
        [40, 100],
        [3, 99],
      ] as const) {
        expect(toSentPoint(toUprightPoint(point, rotation, SENT), rotation, upright)).toEqual(point);
      }
      expect((rotation + inverseRotation(rotation)) % 360).toBe(0);
    }
  });

  it("maps a box exactly where sharp's rotation puts its pixels, for every angle", async () => {
    // A black block at known edges on a white page as sent; sharp turns the page upright; the block's box on
    // the upright page, mapped back, must be the block's box as sent.
    const sentBlock = { x1: 5, y1: 60, x2: 30, y2: 72 };
    const sent = await sharp({
      create: { width: SENT.width, height: SENT.height, channels: 3, background: "#ffffff" },
    })
      .composite([
        {
          input: {
            create: {
              width: sentBlock.x2 - sentBlock.x1,
              height: sentBlock.y2 - sentBlock.y1,
              channels: 3,
              background: "#000000",
            },
          },
          left: sentBlock.x1,
          top: sentBlock.y1,
        },
      ])
      .png()
      .toBuffer();
    for (const rotation of PAGE_ROTATIONS) {
      const upright = await sharp(sent).rotate(rotation).png().toBuffer();
      const { width, height, ...uprightBlock } = await inkBox(upright);
      expect({ width, height }).toEqual(rotatedSize(SENT, rotation));
      expect(toSentBox(uprightBlock, rotation, { width, height })).toEqual(sentBlock);
    }
  });

  it("keeps boxes axis-aligned with x1 ≤ x2 and y1 ≤ y2", () => {
    for (const rotation of PAGE_ROTATIONS) {
      const box = toSentBox({ x1: 10, y1: 5, x2: 30, y2: 9 }, rotation, rotatedSize(SENT, rotation));
      expect(box.x1).toBeLessThanOrEqual(box.x2);
      expect(box.y1).toBeLessThanOrEqual(box.y2);
      const turned = rotation === 90 || rotation === 270;
      expect(box.x2 - box.x1).toBe(turned ? 4 : 20);
      expect(box.y2 - box.y1).toBe(turned ? 20 : 4);
    }
  });
});
