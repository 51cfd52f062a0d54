import { randomBytes } from "node:crypto";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { DEFAULT_IMAGE_LIMITS, EMBEDDED_IMAGE_LIMITS } from "../../gateway/images/image-limits.ts";
import { countImagePages, normalizeImage, toDataUrl } from "../../gateway/images/normalize-image.ts";
import { encodeBmp, imageDifference, pixelAt, readReceipt, withDeclaredPngSize } from "./fixtures.ts";

describe("normalizeImage", () => {
  it("passes a small upright JPEG through byte for byte", async () => {
    const receipt = await readReceipt("000");
    const image = await normalizeImage(receipt, DEFAULT_IMAGE_LIMITS);
    expect(image).toMatchObject({
      mediaType: "image/jpeg",
      width: 463,
      height: 1013,
      originalWidth: 463,
      originalHeight: 1013,
      scale: 1,
      reencoded: false,
      pageCount: 1,
      sourceKind: "jpeg",
    });
    expect(image.data.equals(receipt)).toBe(true);
  });

  it("applies EXIF orientation 6 so a sideways-stored photo comes out upright", async () => {
    const receipt = await readReceipt("000");
    // A camera held upright stores the pixels turned 90° anticlockwise and tags them "rotate 90° clockwise".
    const stored = await sharp(receipt).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const storedMetadata = await sharp(stored).metadata();
    expect([storedMetadata.width, storedMetadata.height, storedMetadata.orientation]).toEqual([1013, 463, 6]);

    const image = await normalizeImage(stored, DEFAULT_IMAGE_LIMITS);

    expect(image).toMatchObject({ originalWidth: 463, originalHeight: 1013, width: 463, height: 1013 });
    expect(image.reencoded).toBe(true);
    const sent = await sharp(image.data).metadata();
    expect([sent.width, sent.height, sent.orientation ?? 1]).toEqual([463, 1013, 1]);
    expect(await imageDifference(image.data, receipt)).toBeLessThan(2);
    expect(await imageDifference(image.data, await sharp(receipt).rotate(180).toBuffer())).toBeGreaterThan(8);
  });

  it("downscales a 5000×7000 photo to the model's limits and keeps the original size", async () => {
    const receipt = await readReceipt("001");
    const large = await sharp(receipt).resize(5000, 7000, { fit: "fill" }).jpeg({ quality: 80 }).toBuffer();

    const image = await normalizeImage(large, DEFAULT_IMAGE_LIMITS);

    expect(image).toMatchObject({ width: 1462, height: 2048, originalWidth: 5000, originalHeight: 7000 });
    expect(image).toMatchObject({ mediaType: "image/jpeg", reencoded: true });
    expect(image.scale).toBeCloseTo(1462 / 5000, 6);
    const sent = await sharp(image.data).metadata();
    expect([sent.width, sent.height]).toEqual([1462, 2048]);

    const embedded = await normalizeImage(large, EMBEDDED_IMAGE_LIMITS);
    expect([embedded.width, embedded.height]).toEqual([1142, 1600]);
  });

  it("refuses a PNG that declares 30000×30000 pixels before decoding it", async () => {
    const small = await sharp({ create: { width: 16, height: 16, channels: 3, background: "white" } })
      .png()
      .toBuffer();
    const bomb = withDeclaredPngSize(small, 30_000, 30_000);

    await expect(normalizeImage(bomb, DEFAULT_IMAGE_LIMITS)).rejects.toMatchObject({
      status: 413,
      code: "image_too_many_pixels",
      message: expect.stringContaining("100.0 megapixels"),
    });
  });

  it("applies the caller's input pixel limit to real images", async () => {
    const limits = { ...DEFAULT_IMAGE_LIMITS, maxInputPixels: 400_000 };
    await expect(normalizeImage(await readReceipt("000"), limits)).rejects.toMatchObject({
      status: 413,
      code: "image_too_many_pixels",
    });
  });

  it.each(["000", "023"])("detects a truncated JPEG (receipt %s cut in half)", async (name) => {
    const receipt = await readReceipt(name);
    const truncated = receipt.subarray(0, Math.floor(receipt.length / 2));
    await expect(normalizeImage(truncated, DEFAULT_IMAGE_LIMITS)).rejects.toMatchObject({
      status: 400,
      code: "invalid_image",
    });
  });

  it("reports a JPEG signature followed by garbage as an invalid image", async () => {
    const garbage = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(4096)]);
    await expect(normalizeImage(garbage, DEFAULT_IMAGE_LIMITS)).rejects.toMatchObject({
      status: 400,
      code: "invalid_image",
    });
  });

  it("refuses empty input, random bytes, text, PDFs and videos with distinct answers", async () => {
    await expect(normalizeImage(new Uint8Array(0), DEFAULT_IMAGE_LIMITS)).rejects.toMatchObject({
      status: 400,
      code: "empty_file",
    });
    const notImages = [
      randomBytes(2048),
      Buffer.from("Total: 12.50\nThank you for shopping with us\n"),
      Buffer.from("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"),
      Buffer.from("\0\0\0\x20ftypisom\0\0\x02\0isomiso2avc1mp41", "latin1"),
    ];
    for (const bytes of notImages) {
      await expect(normalizeImage(bytes, DEFAULT_IMAGE_LIMITS)).rejects.toMatchObject({
        status: 415,
        code: "unsupported_media_type",
      });
    }
    await expect(normalizeImage(notImages[2] ?? Buffer.alloc(0), DEFAULT_IMAGE_LIMITS)).rejects.toThrow(
      /send it as a document/,
    );
  });

  it("flattens transparency onto white instead of sending black where the image is transparent", async () => {
    const ink = await sharp({ create: { width: 40, height: 20, channels: 4, background: "#000000ff" } })
      .png()
      .toBuffer();
    const transparent = await sharp({
      create: { width: 200, height: 100, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .composite([{ input: ink, left: 80, top: 40 }])
      .png()
      .toBuffer();

    const image = await normalizeImage(transparent, DEFAULT_IMAGE_LIMITS);

    expect(image).toMatchObject({ mediaType: "image/png", reencoded: true, width: 200, height: 100 });
    expect((await sharp(image.data).metadata()).hasAlpha).toBe(false);
    expect(await pixelAt(image.data, 5, 5)).toEqual([255, 255, 255]);
    expect(await pixelAt(image.data, 100, 50)).toEqual([0, 0, 0]);
  });

  it("passes an RGBA PNG through when every pixel is opaque", async () => {
    const opaque = await sharp(await readReceipt("005"))
      .ensureAlpha()
      .png()
      .toBuffer();
    const image = await normalizeImage(opaque, DEFAULT_IMAGE_LIMITS);
    expect(image.reencoded).toBe(false);
    expect(image.data.equals(opaque)).toBe(true);
  });

  it("selects a page of a multi-page TIFF", async () => {
    const receipt = await readReceipt("000");
    const red = await sharp({ create: { width: 463, height: 1013, channels: 3, background: "#ff0000" } })
      .png()
      .toBuffer();
    const tiff = await sharp([red, receipt], { join: { animated: true } })
      .tiff({ compression: "lzw" })
      .toBuffer();

    expect(await countImagePages(tiff)).toBe(2);
    const first = await normalizeImage(tiff, DEFAULT_IMAGE_LIMITS);
    const second = await normalizeImage(tiff, DEFAULT_IMAGE_LIMITS, { page: 1 });

    expect(first).toMatchObject({ pageCount: 2, mediaType: "image/png", reencoded: true });
    expect(await pixelAt(first.data, 10, 10)).toEqual([255, 0, 0]);
    expect(second).toMatchObject({ pageCount: 2, width: 463, height: 1013 });
    expect(await imageDifference(second.data, receipt)).toBeLessThan(3);
    await expect(normalizeImage(tiff, DEFAULT_IMAGE_LIMITS, { page: 2 })).rejects.toMatchObject({
      status: 400,
      code: "page_out_of_range",
      message: expect.stringContaining("pages 0–1"),
    });
  });

  it("selects a frame of an animated GIF", async () => {
    const receipt = await readReceipt("000");
    const red = await sharp({ create: { width: 463, height: 1013, channels: 3, background: "#ff0000" } })
      .png()
      .toBuffer();
    const gif = await sharp([red, receipt], { join: { animated: true } })
      .gif()
      .toBuffer();
    const second = await normalizeImage(gif, DEFAULT_IMAGE_LIMITS, { page: 1 });
    expect(second).toMatchObject({ sourceKind: "gif", pageCount: 2, mediaType: "image/png", width: 463 });
    expect(await imageDifference(second.data, receipt)).toBeLessThan(8);
  });

  it("refuses images the model would reject for their aspect ratio or size", async () => {
    const strip = await sharp({ create: { width: 2100, height: 10, channels: 3, background: "white" } })
      .png()
      .toBuffer();
    await expect(normalizeImage(strip, DEFAULT_IMAGE_LIMITS)).rejects.toMatchObject({
      status: 400,
      code: "image_aspect_ratio_too_large",
    });
    const dot = await sharp({ create: { width: 5, height: 5, channels: 3, background: "white" } })
      .png()
      .toBuffer();
    await expect(normalizeImage(dot, DEFAULT_IMAGE_LIMITS)).rejects.toMatchObject({
      status: 400,
      code: "image_too_small",
    });
  });

  it("keeps a 200:1 image within 200:1 after downscaling", async () => {
    const banner = await sharp({ create: { width: 40_000, height: 200, channels: 3, background: "white" } })
      .png()
      .toBuffer();
    const image = await normalizeImage(banner, DEFAULT_IMAGE_LIMITS);
    expect(image.width).toBe(2048);
    expect(image.width / image.height).toBeLessThanOrEqual(200);
  });

  it("re-encodes WebP as JPEG and BMP as PNG", async () => {
    const receipt = await readReceipt("005");
    const webp = await normalizeImage(await sharp(receipt).webp().toBuffer(), DEFAULT_IMAGE_LIMITS);
    expect(webp).toMatchObject({ sourceKind: "webp", mediaType: "image/jpeg", width: 463, height: 605 });

    const bmp = await encodeBmp(receipt);
    const fromBmp = await normalizeImage(bmp, DEFAULT_IMAGE_LIMITS);
    expect(fromBmp).toMatchObject({ sourceKind: "bmp", mediaType: "image/png", width: 463, height: 605 });
    expect(await imageDifference(fromBmp.data, receipt)).toBeLessThan(0.5);

    await expect(
      normalizeImage(bmp.subarray(0, bmp.length - 5000), DEFAULT_IMAGE_LIMITS),
    ).rejects.toMatchObject({
      code: "invalid_image",
    });
  });

  it("converts a CMYK JPEG to sRGB", async () => {
    const cmyk = await sharp(await readReceipt("005"))
      .toColourspace("cmyk")
      .jpeg()
      .toBuffer();
    const image = await normalizeImage(cmyk, DEFAULT_IMAGE_LIMITS);
    expect(image.reencoded).toBe(true);
    expect((await sharp(image.data).metadata()).space).toBe("srgb");
  });
});

describe("toDataUrl", () => {
  it("encodes the bytes as a base64 data URL with the media type", async () => {
    const receipt = await readReceipt("000");
    const url = toDataUrl(await normalizeImage(receipt, DEFAULT_IMAGE_LIMITS));
    expect(url.startsWith("data:image/jpeg;base64,")).toBe(true);
    expect(Buffer.from(url.slice(url.indexOf(",") + 1), "base64").equals(receipt)).toBe(true);
  });
});
