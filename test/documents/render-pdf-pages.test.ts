import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapWithConcurrency } from "../../gateway/documents/map-with-concurrency.ts";
import { parsePageSelection } from "../../gateway/documents/page-selection.ts";
import { openPdf, type PdfDocument } from "../../gateway/documents/render-pdf-pages.ts";
import { A4, buildSamplePdf, encryptPdf, RECEIPT_BOX, readReceipt } from "./pdf-fixtures.ts";

interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Share of pixels darker than mid-grey inside a region of a rendered page. */
async function darkShare(image: Buffer, region: Region): Promise<number> {
  const pixels = await sharp(image).extract(region).greyscale().raw().toBuffer();
  return pixels.filter((value) => value < 128).length / pixels.length;
}

/** Mean absolute greyscale difference (0–255) between two images reduced to the same 64×64 grid. */
async function difference(a: Buffer, b: Buffer): Promise<number> {
  const grid = (image: Buffer) => sharp(image).greyscale().resize(64, 64, { fit: "fill" }).raw().toBuffer();
  const [left, right] = await Promise.all([grid(a), grid(b)]);
  return left.reduce((sum, value, i) => sum + Math.abs(value - (right[i] ?? 0)), 0) / left.length;
}

function pointsToPixels(
  box: { left: number; top: number; width: number; height: number },
  scale: number,
): Region {
  return {
    left: Math.round(box.left * scale),
    top: Math.round(box.top * scale),
    width: Math.round(box.width * scale),
    height: Math.round(box.height * scale),
  };
}

describe("openPdf", () => {
  let samplePdf: Uint8Array;
  let document: PdfDocument;

  beforeAll(async () => {
    samplePdf = await buildSamplePdf();
    document = await openPdf(samplePdf);
  });
  afterAll(() => document.close());

  it("counts pages and renders an A4 page at 2048 px on the long side by default", async () => {
    expect(document.pageCount).toBe(3);
    const page = await document.renderPage(0);
    expect(page).toMatchObject({ index: 0, mediaType: "image/png", width: 1448, height: 2048 });
    expect(page).toMatchObject({ pageWidthPt: A4.width, pageHeightPt: A4.height });
    expect(page.dpi).toBeCloseTo((2048 / A4.height) * 72, 6);
    const metadata = await sharp(page.data).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(["png", 1448, 2048]);
  });

  it("draws text set in a standard (non-embedded) font", async () => {
    const page = await document.renderPage(0);
    const scale = page.width / A4.width;
    // "Invoice 2024-001" at 36 pt: its baseline is 100 pt from the top, starting 72 pt from the left.
    const heading = pointsToPixels({ left: 72, top: 70, width: 280, height: 35 }, scale);
    const emptyArea = pointsToPixels({ left: 72, top: 400, width: 400, height: 300 }, scale);
    expect(await darkShare(page.data, heading)).toBeGreaterThan(0.08);
    expect(await darkShare(page.data, emptyArea)).toBe(0);
  });

  it("renders an embedded receipt scan where the page places it", async () => {
    const page = await document.renderPage(1);
    const region = pointsToPixels(RECEIPT_BOX, page.width / A4.width);
    const rendered = await sharp(page.data).extract(region).toBuffer();
    const receipt = await readReceipt("000");
    expect(await darkShare(page.data, region)).toBeGreaterThan(0.01);
    expect(await difference(rendered, receipt)).toBeLessThan(8);
    expect(await difference(rendered, await readReceipt("005"))).toBeGreaterThan(
      await difference(rendered, receipt),
    );
  });

  it("follows the page's /Rotate, reporting the page size as displayed", async () => {
    const page = await document.renderPage(2);
    expect(page.pageWidthPt).toBeCloseTo(595.28, 2);
    expect(page.pageHeightPt).toBeCloseTo(419.53, 2);
    expect([page.width, page.height]).toEqual([2048, 1443]);
  });

  it("honours dpi, target size, pixel cap and JPEG output", async () => {
    const at72 = await document.renderPage(0, { dpi: 72 });
    expect([at72.width, at72.height, at72.dpi]).toEqual([595, 841, 72]);

    const embedded = await document.renderPage(0, { targetLongSide: 1600 });
    expect([embedded.width, embedded.height]).toEqual([1131, 1600]);

    const capped = await document.renderPage(0, { dpi: 600, maxPixels: 1_000_000 });
    expect(capped.width * capped.height).toBeLessThanOrEqual(1_000_000);
    expect(capped.dpi).toBeLessThan(600);
    expect(capped.height).toBeGreaterThan(1100);

    const jpeg = await document.renderPage(1, { format: "jpeg" });
    expect(jpeg.mediaType).toBe("image/jpeg");
    expect((await sharp(jpeg.data).metadata()).format).toBe("jpeg");
  });

  it("refuses page indexes outside the document, naming the valid range", async () => {
    for (const index of [3, -1, 1.5]) {
      await expect(document.renderPage(index)).rejects.toMatchObject({
        status: 400,
        code: "page_out_of_range",
        message: expect.stringContaining("0–2"),
      });
    }
  });

  it("stops when the caller aborts", async () => {
    const controller = new AbortController();
    controller.abort(new Error("client went away"));
    await expect(document.renderPage(0, { signal: controller.signal })).rejects.toThrow("client went away");
  });

  it("renders selected pages concurrently, in order", async () => {
    const pages = parsePageSelection("2,0-1", document.pageCount);
    const rendered = await mapWithConcurrency(pages, 2, (index, _i, signal) =>
      document.renderPage(index, { targetLongSide: 400, signal }),
    );
    expect(rendered.map((page) => [page.index, page.width, page.height])).toEqual([
      [0, 282, 400],
      [1, 282, 400],
      [2, 400, 281],
    ]);
  });

  it("refuses documents over the caller's page limit", async () => {
    await expect(openPdf(samplePdf, { maxPages: 2 })).rejects.toMatchObject({
      status: 413,
      code: "too_many_pages",
      message: expect.stringContaining("3 pages"),
    });
  });

  it("opens a PDF encrypted with only an owner password, which anyone may read", async () => {
    const restricted = await openPdf(await encryptPdf(samplePdf, "", "owner-secret"));
    try {
      const page = await restricted.renderPage(0);
      const heading = pointsToPixels({ left: 72, top: 70, width: 280, height: 35 }, page.width / A4.width);
      expect(await darkShare(page.data, heading)).toBeGreaterThan(0.08);
    } finally {
      await restricted.close();
    }
  });

  it("refuses a PDF that needs a password to open", async () => {
    const locked = await encryptPdf(samplePdf, "user-secret", "owner-secret");
    await expect(openPdf(locked)).rejects.toMatchObject({ status: 400, code: "pdf_encrypted" });
  });

  it("refuses corrupt, truncated and non-PDF input", async () => {
    const truncated = samplePdf.subarray(0, Math.floor(samplePdf.length / 2));
    const headerOnly = Buffer.from("%PDF-1.7\n% nothing else follows\n");
    for (const bytes of [truncated, headerOnly, await readReceipt("000"), new Uint8Array(0)]) {
      await expect(openPdf(bytes)).rejects.toMatchObject({ status: 400, code: "invalid_pdf" });
    }
  });

  it("leaves the caller's buffer usable", async () => {
    const copy = new Uint8Array(samplePdf);
    const opened = await openPdf(copy);
    await opened.close();
    expect(copy.byteLength).toBe(samplePdf.byteLength);
  });
});
