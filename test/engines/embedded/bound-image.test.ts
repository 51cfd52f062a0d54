import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  boundImage,
  RECOGNITION_LONG_SIDE_FACTOR,
  UndecodableImageError,
} from "../../../gateway/engines/embedded/bound-image.ts";

function blank(width: number, height: number, channels: 3 | 4 = 3, alpha = 1) {
  const background = channels === 4 ? { r: 0, g: 0, b: 0, alpha } : { r: 255, g: 255, b: 255 };
  return sharp({ create: { width, height, channels, background } });
}

/** A white page with a dark rectangle (the "document") at `left`, `top`. */
async function pageWithDocument(
  page: { width: number; height: number },
  document: { left: number; top: number; width: number; height: number },
): Promise<Buffer> {
  const ink = await sharp({
    create: { width: document.width, height: document.height, channels: 3, background: "#202020" },
  })
    .png()
    .toBuffer();
  return blank(page.width, page.height)
    .composite([{ input: ink, left: document.left, top: document.top }])
    .png()
    .toBuffer();
}

describe("boundImage", () => {
  it("shrinks a 7000 px tall scan of text for the detector, and keeps a finer copy for the recogniser", async () => {
    const scan = await pageWithDocument(
      { width: 3500, height: 7000 },
      { left: 0, top: 0, width: 3500, height: 7000 },
    );
    const page = await boundImage(scan, 1600);
    expect(page).toMatchObject({
      width: 3500,
      height: 7000,
      content: { x: 0, y: 0, width: 3500, height: 7000 },
    });
    expect([page.detection.width, page.detection.height]).toEqual([800, 1600]);
    expect(page.detection.data.length).toBe(800 * 1600 * 3);
    expect(page.recognition.height).toBe(1600 * RECOGNITION_LONG_SIDE_FACTOR);
    expect(page.recognition.data.length).toBe(page.recognition.width * page.recognition.height);
  });

  it("crops a small document on a large white page to the document before bounding it", async () => {
    // An A4 page at 600 dpi with a 1,000 × 2,000 px receipt in the middle.
    const scan = await pageWithDocument(
      { width: 4961, height: 7016 },
      { left: 2000, top: 2500, width: 1000, height: 2000 },
    );
    const page = await boundImage(scan, 1600);
    expect(page.content.x).toBeGreaterThan(1850);
    expect(page.content.x).toBeLessThanOrEqual(2000);
    expect(page.content.y).toBeGreaterThan(2300);
    expect(page.content.y).toBeLessThanOrEqual(2500);
    expect(page.content.x + page.content.width).toBeGreaterThanOrEqual(3000);
    expect(page.content.x + page.content.width).toBeLessThan(3150);
    // The receipt, not the page, fills the detector's 1,600 px: its text stays ~3.5× taller.
    expect(page.detection.height).toBeGreaterThanOrEqual(1568);
    expect(page.detection.width).toBeLessThan(1000);
  });

  it("never enlarges a small image beyond the detector's 32-pixel grid", async () => {
    const image = await pageWithDocument(
      { width: 400, height: 300 },
      { left: 0, top: 0, width: 400, height: 300 },
    );
    const page = await boundImage(image, 1600);
    expect([page.detection.width, page.detection.height]).toEqual([416, 288]);
    expect([page.recognition.width, page.recognition.height]).toEqual([400, 300]);
  });

  it("reads a blank page whole", async () => {
    const page = await boundImage(await blank(200, 100).png().toBuffer(), 1600);
    expect(page.content).toEqual({ x: 0, y: 0, width: 200, height: 100 });
  });

  it("reports sizes after EXIF orientation (a portrait photo stored landscape)", async () => {
    const photo = await blank(200, 100).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const page = await boundImage(photo, 1600);
    expect([page.width, page.height]).toEqual([100, 200]);
    expect([page.recognition.width, page.recognition.height]).toEqual([100, 200]);
  });

  it("puts transparent pixels on white, where black text on a transparent PNG stays readable", async () => {
    const transparent = await blank(10, 10, 4, 0).png().toBuffer();
    const page = await boundImage(transparent, 1600);
    expect([...page.detection.data.subarray(0, 3)]).toEqual([255, 255, 255]);
    expect(page.recognition.data[0]).toBe(255);
  });

  it("throws UndecodableImageError for bytes that are not an image", async () => {
    await expect(boundImage(new TextEncoder().encode("%PDF-1.7 nope"), 1600)).rejects.toBeInstanceOf(
      UndecodableImageError,
    );
  });
});
