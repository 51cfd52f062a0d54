import { describe, expect, it } from "vitest";
import { renderJobOutput } from "../../../gateway/jobs/ocr/render-job-output.ts";
import type { OcrResponse } from "../../../gateway/ocr/ocr-response.ts";
import { readReceipt, spottedReceiptPage } from "../../support/fixtures.ts";

const limits = { maxPixels: 50_000_000, maxSide: 10_000, maxFrames: 100 } as never;
const page = spottedReceiptPage;
const response = { object: "ocr", text: "TOTAL 9.00", pages: [page] } as unknown as OcrResponse;
const base = { response, documentName: "scan.jpg", createdAt: new Date(0), limits };

describe("renderJobOutput", () => {
  it("writes the file with its media type and a name from the document's", async () => {
    const rendered = await renderJobOutput({ ...base, format: "hocr", input: readReceipt("000") });
    expect(rendered.ok).toBe(true);
    if (!rendered.ok) return;
    expect(rendered.output).toMatchObject({
      format: "hocr",
      contentType: "text/html; charset=utf-8",
      filename: "scan.hocr.html",
    });
    expect(Buffer.from(rendered.output.data).toString()).toContain("TOTAL");
  });

  it("answers output_render_failed with the renderer's reason, never a partial file", async () => {
    const notADocument = await renderJobOutput({ ...base, format: "pdf", input: Buffer.from("plain text") });
    expect(notADocument).toEqual({
      ok: false,
      error: {
        code: "output_render_failed",
        message: expect.stringContaining("output_format_unsupported_input"),
      },
    });
    const gone = await renderJobOutput({ ...base, format: "pdf", input: undefined });
    expect(gone).toMatchObject({ ok: false, error: { code: "output_render_failed" } });
  });
});
