import { describe, expect, it } from "vitest";
import { formatReport } from "../../gateway/eval/format-report.ts";

describe("formatReport", () => {
  it("prints CER (in the reference's order and in any order) and WER per document and for the corpus", () => {
    const text = formatReport({
      dataset: "sroie",
      task: "text",
      backend: "embedded:ppocr-v4",
      documents: 2,
      failed: 1,
      seconds: 3.2,
      pagesPerSecond: 0.625,
      cer: 0.125,
      cerAnyOrder: 0.05,
      wer: 0.3,
      perDocument: [
        { id: "000", ms: 1200, cer: 0.1, cerAnyOrder: 0.04, wer: 0.25 },
        { id: "001", ms: 40, error: "engine_busy: The OCR engine is busy; retry later" },
      ],
    });
    const lines = text.split("\n");
    expect(lines).toContain("id      CER       CER (any order)  WER       ms");
    expect(lines.find((line) => line.startsWith("000"))).toMatch(/^000\s+10\.0 %\s+4\.0 %\s+25\.0 %\s+1200$/);
    expect(lines.find((line) => line.startsWith("001"))).toContain("engine_busy");
    expect(lines).toContain("corpus  CER 12.5 % (any order 5.0 %)  WER 30.0 %");
  });
});
