import { describe, expect, it } from "vitest";
import type { PageResult } from "../../gateway/ocr/ocr-types.ts";
import {
  estimateWordBoxes,
  pageLayout,
  uprightPageLayout,
} from "../../gateway/output-formats/page-layout.ts";

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

describe("pageLayout of a page read turned", () => {
  // Sent 2000 × 1000 (lying on its side), read upright after a 270° clockwise turn: the receipt was turned 90°
  // clockwise, so its text runs down the page.
  const turned: PageResult = {
    ...page([line("AB CDEF", 10, 100, 30, 170)]),
    dimensions: { width: 2000, height: 1000, dpi: 72 },
    rotation: 270,
  };

  it("splits words along the text, down the page, and reports its angle", () => {
    const layout = pageLayout(turned);
    expect(layout).toMatchObject({ width: 2000, height: 1000, textAngle: 270 });
    const words = layout.blocks[0]?.lines[0]?.words ?? [];
    expect(words.map((word) => word.text)).toEqual(["AB", "CDEF"]);
    // Upright, "AB" is the first 2 of 7 units from the left; on the sent page that is the top of the column.
    expect(words[0]?.box).toEqual({ x1: 10, y1: 100, x2: 30, y2: 120 });
    expect(words[1]?.box).toEqual({ x1: 10, y1: 130, x2: 30, y2: 170 });
    expect(layout.blocks[0]?.lines[0]?.box).toEqual({ x1: 10, y1: 100, x2: 30, y2: 170 });
  });

  it("lays the page out upright, in the upright page's size, with the way back to the sent page", () => {
    const { layout, toSent } = uprightPageLayout(turned);
    expect(layout).toMatchObject({ width: 1000, height: 2000, textAngle: 270 });
    const line0 = layout.blocks[0]?.lines[0];
    // Sent (x, y) is upright (y, 2000 − x) for a 270° turn.
    expect(line0?.box).toEqual({ x1: 100, y1: 1970, x2: 170, y2: 1990 });
    expect(toSent(line0?.box ?? { x1: 0, y1: 0, x2: 0, y2: 0 })).toEqual({
      x1: 10,
      y1: 100,
      x2: 30,
      y2: 170,
    });
  });

  it("is the plain layout for a page read as sent", () => {
    const plain = page([line("TOTAL 9.00", 100, 100, 400, 130)]);
    expect(pageLayout({ ...plain, rotation: 0 })).toEqual(pageLayout(plain));
    expect(pageLayout(plain).textAngle).toBe(0);
  });
});
