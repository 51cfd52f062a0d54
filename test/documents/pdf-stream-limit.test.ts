import { describe, expect, it } from "vitest";
import { assertStreamsInflateWithin } from "../../gateway/documents/pdf-stream-limit.ts";
import { openPdf } from "../../gateway/documents/render-pdf-pages.ts";
import { buildReceiptPdf } from "../support/ocr-fixtures.ts";
import { deflateBombPdf, strokeHeavyPdf } from "./hostile-pdfs.ts";
import { buildSamplePdf } from "./pdf-fixtures.ts";

const MB = 1024 * 1024;

describe("assertStreamsInflateWithin", () => {
  it("refuses a deflate bomb with 413 pdf_stream_too_large naming the limit, without inflating it whole", async () => {
    const bomb = await deflateBombPdf(100);
    const rssBefore = process.memoryUsage().rss;
    const error = await assertStreamsInflateWithin(bomb, 16 * MB).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 413, code: "pdf_stream_too_large" });
    expect((error as Error).message).toContain("16 MB (PDF_MAX_STREAM_MB)");
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * MB);
    await expect(assertStreamsInflateWithin(bomb, 128 * MB)).resolves.toBeUndefined();
  });

  it("passes ordinary PDFs: text, an embedded JPEG, compressed content", async () => {
    for (const pdf of [await buildSamplePdf(), await buildReceiptPdf(3), await strokeHeavyPdf(1, 10)]) {
      await expect(assertStreamsInflateWithin(pdf, 1 * MB)).resolves.toBeUndefined();
    }
  });

  it("is applied by openPdf when maxStreamBytes is set", async () => {
    await expect(openPdf(await deflateBombPdf(40), { maxStreamBytes: 8 * MB })).rejects.toMatchObject({
      code: "pdf_stream_too_large",
    });
  });
});
