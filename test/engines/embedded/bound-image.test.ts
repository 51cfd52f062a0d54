import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { boundImage, UndecodableImageError } from "../../../gateway/engines/embedded/bound-image.ts";

function blank(width: number, height: number, channels: 3 | 4 = 3, alpha = 1) {
  const background = channels === 4 ? { r: 0, g: 0, b: 0, alpha } : { r: 255, g: 255, b: 255 };
  return sharp({ create: { width, height, channels, background } });
}

describe("boundImage", () => {
  it("shrinks a 7000 px tall scan so its longest side is maxLongSide, and says how to scale back", async () => {
    const scan = await blank(3500, 7000).jpeg().toBuffer();
    const bounded = await boundImage(scan, 1600);
    const png = await sharp(Buffer.from(bounded.png)).metadata();
    expect([png.width, png.height]).toEqual([800, 1600]);
    expect(bounded).toMatchObject({ width: 3500, height: 7000, scaleX: 4.375, scaleY: 4.375 });
  });

  it("never enlarges a small image", async () => {
    const bounded = await boundImage(await blank(400, 300).png().toBuffer(), 1600);
    expect(bounded).toMatchObject({ width: 400, height: 300, scaleX: 1, scaleY: 1 });
  });

  it("reports sizes after EXIF orientation (a portrait photo stored landscape)", async () => {
    const photo = await blank(200, 100).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const bounded = await boundImage(photo, 1600);
    expect([bounded.width, bounded.height]).toEqual([100, 200]);
    const png = await sharp(Buffer.from(bounded.png)).metadata();
    expect([png.width, png.height]).toEqual([100, 200]);
  });

  it("puts transparent pixels on white, where black text on a transparent PNG stays readable", async () => {
    const transparent = await blank(10, 10, 4, 0).png().toBuffer();
    const bounded = await boundImage(transparent, 1600);
    const { data, info } = await sharp(Buffer.from(bounded.png)).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    expect([...data.subarray(0, 3)]).toEqual([255, 255, 255]);
  });

  it("throws UndecodableImageError for bytes that are not an image", async () => {
    await expect(boundImage(new TextEncoder().encode("%PDF-1.7 nope"), 1600)).rejects.toBeInstanceOf(
      UndecodableImageError,
    );
  });
});
