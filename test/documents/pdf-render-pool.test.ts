import { afterAll, describe, expect, it } from "vitest";
import { PdfRenderPool } from "../../gateway/documents/pdf-render-pool.ts";
import { openPdf } from "../../gateway/documents/render-pdf-pages.ts";
import { GatewayError } from "../../gateway/errors.ts";
import { buildReceiptPdf } from "../support/ocr-fixtures.ts";

const pool = new PdfRenderPool({ workers: 1, pageTimeoutMs: 60_000, memoryMb: 1024 });
afterAll(() => pool.close());

describe("PdfRenderPool", () => {
  it("renders the same pages in a worker process as in-process", async () => {
    const bytes = await buildReceiptPdf(3);
    const inWorker = await pool.open(bytes, {});
    const inProcess = await openPdf(bytes, {});
    try {
      expect(inWorker.pageCount).toBe(3);
      const [a, b] = await Promise.all([inWorker.renderPage(1), inProcess.renderPage(1)]);
      expect([a.width, a.height, a.dpi, a.mediaType]).toEqual([b.width, b.height, b.dpi, b.mediaType]);
      expect(Buffer.isBuffer(a.data)).toBe(true);
      expect(a.data.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
    } finally {
      await inWorker.close();
      await inProcess.close();
    }
    // The caller's bytes were copied, not transferred away.
    expect(bytes.byteLength).toBeGreaterThan(0);
  });

  it("passes the renderer's typed errors back", async () => {
    const error = await pool
      .open(Buffer.from("%PDF-1.7\n1 0 obj <<>> garbage"), {})
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect([(error as GatewayError).status, (error as GatewayError).code]).toEqual([400, "invalid_pdf"]);
    const document = await pool.open(await buildReceiptPdf(2), {});
    const outOfRange = await document.renderPage(5).catch((caught: unknown) => caught);
    expect((outOfRange as GatewayError).code).toBe("page_out_of_range");
    await document.close();
  });

  it("keeps the event loop free while pages render", async () => {
    const document = await pool.open(await buildReceiptPdf(6), {});
    let worstLag = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worstLag = Math.max(worstLag, now - last - 10);
      last = now;
    }, 10);
    try {
      // At 4096 px the same loop in-process stalls the event loop for ~200 ms per page here; in the pool ~15 ms.
      for (let index = 0; index < 6; index++) {
        await document.renderPage(index, { targetLongSide: 4096, maxPixels: 4096 * 4096 });
      }
    } finally {
      clearInterval(timer);
      await document.close();
    }
    expect(worstLag).toBeLessThan(80);
  });

  it("rejects a render whose caller gave up", async () => {
    const document = await pool.open(await buildReceiptPdf(2), {});
    const controller = new AbortController();
    const rendering = document.renderPage(1, { signal: controller.signal });
    controller.abort(new Error("client left"));
    await expect(rendering).rejects.toThrow("client left");
    await document.close();
  });
});
