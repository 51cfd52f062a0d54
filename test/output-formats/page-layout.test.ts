import { describe, expect, it } from "vitest";
import type { PageResult } from "../../gateway/ocr/ocr-types.ts";
import { estimateWordBoxes, pageLayout } from "../../gateway/output-formats/page-layout.ts";

function line(text: string, x1: number, y1: number, x2: number, y2: number, confidence?: number) {
  return {
    text,
    box: { x1, y1, x2, y2 },
    polygon: [] as Array<[number, number]>,
    ...(confidence != null ? { confidence } : {}),
  };
}

function page(boxes: ReturnType<typeof line>[]): PageResult {
  return {
    index: 2,
    markdown: "",
    text: "",
    images: [],
    dimensions: { width: 1000, height: 2000, dpi: 72 },
    boxes,
    finish_reason: "stop",
    retried: false,
    warnings: [],
    usage: { prompt_tokens: 0, completion_tokens: 0 },
  };
}

describe("estimateWordBoxes", () => {
  it("splits a line's box in proportion to the words' length, spaces included", () => {
    const words = estimateWordBoxes(line("AB CDEF", 100, 10, 170, 30));
    expect(words.map((word) => word.text)).toEqual(["AB", "CDEF"]);
    expect(words[0]?.box).toEqual({ x1: 100, y1: 10, x2: 120, y2: 30 });
    expect(words[1]?.box).toEqual({ x1: 130, y1: 10, x2: 170, y2: 30 });
  });

  it("gives wide (CJK) characters twice a Latin letter's advance", () => {
    const words = estimateWordBoxes(line("合计 RM9", 0, 0, 80, 20));
    expect(words.map((word) => word.text)).toEqual(["合计", "RM9"]);
    expect(words[0]?.box.x2).toBeCloseTo(40);
    expect(words[1]?.box.x1).toBeCloseTo(50);
  });

  it("never invents text: the words are the line's, and carry its confidence", () => {
    const text = "  TOTAL   9.00  RM ";
    const words = estimateWordBoxes(line(text, 0, 0, 190, 20, 0.87));
    expect(words.map((word) => word.text).join(" ")).toBe(text.trim().split(/\s+/).join(" "));
    expect(words.every((word) => word.confidence === 0.87)).toBe(true);
  });
});

describe("pageLayout", () => {
  it("groups lines into blocks by vertical gaps and keeps the page's size", () => {
    const layout = pageLayout(
      page([
        line("Heading", 100, 100, 400, 130),
        line("first", 100, 140, 300, 170),
        line("far below", 100, 600, 300, 630),
        line("", 100, 700, 300, 730),
      ]),
    );
    expect(layout).toMatchObject({ index: 2, width: 1000, height: 2000, dpi: 72 });
    expect(layout.blocks.map((block) => block.lines.map((item) => item.text))).toEqual([
      ["Heading", "first"],
      ["far below"],
    ]);
    expect(layout.blocks[0]?.box).toEqual({ x1: 100, y1: 100, x2: 400, y2: 170 });
  });
});
