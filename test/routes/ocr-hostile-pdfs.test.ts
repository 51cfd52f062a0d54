import { describe, expect, it } from "vitest";
import { deflateBombPdf, hugeImagePdf, strokeHeavyPdf } from "../documents/hostile-pdfs.ts";
import { buildReceiptPdf, type ErrorBody, postOcrForm, useOcrGateway } from "../support/ocr-fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;

const SLOW = 240_000;
const pdfUpload = (bytes: Uint8Array) => ({
  bytes: Buffer.from(bytes),
  name: "doc.pdf",
  type: "application/pdf",
});

describe("/v1/ocr with hostile PDFs", () => {
  const bed = useOcrGateway({ PDF_PAGE_TIMEOUT_MS: "8000", PDF_RENDER_WORKERS: "2" });

  it(
    "answers 422 pdf_page_timeout naming the page and the limit, then serves the next PDF",
    async () => {
      const response = await postOcrForm(bed.gateway.url, pdfUpload(await strokeHeavyPdf(6)));
      const body = (await response.json()) as ErrorBody;
      expect(response.status).toBe(422);
      expect(body.error.code).toBe("pdf_page_timeout");
      expect(body.error.message).toMatch(/page 0 .*8000 ms .*PDF_PAGE_TIMEOUT_MS/);
      const next = await postOcrForm(bed.gateway.url, pdfUpload(await buildReceiptPdf(1)));
      expect(next.status, await next.clone().text()).toBe(200);
      const ready = (await (await fetch(`${bed.gateway.url}/ready`)).json()) as Json;
      expect(ready.detail.pdf_renderer).toMatchObject({ workers: 2, busy: 0, openDocuments: 0 });
      expect(ready.detail.pdf_renderer.replaced).toBeGreaterThanOrEqual(1);
    },
    SLOW,
  );

  it(
    "answers 413 pdf_stream_too_large for a deflate bomb, before inflating it",
    async () => {
      const replaced = async () =>
        ((await (await fetch(`${bed.gateway.url}/ready`)).json()) as Json).detail.pdf_renderer.replaced;
      const before = await replaced();
      const response = await postOcrForm(bed.gateway.url, pdfUpload(await deflateBombPdf(400)));
      const body = (await response.json()) as ErrorBody;
      expect(response.status).toBe(413);
      expect(body.error.code).toBe("pdf_stream_too_large");
      expect(body.error.message).toContain("256 MB (PDF_MAX_STREAM_MB)");
      expect(await replaced()).toBe(before); // refused, not killed
    },
    SLOW,
  );

  it(
    "warns on the page when an embedded image over IMAGE_MAX_INPUT_PIXELS was left out",
    async () => {
      const response = await postOcrForm(bed.gateway.url, pdfUpload(await hugeImagePdf()));
      const body = (await response.json()) as Json;
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.pages[0].warnings).toEqual(
        expect.arrayContaining([expect.stringContaining("IMAGE_MAX_INPUT_PIXELS")]),
      );
    },
    SLOW,
  );
});
