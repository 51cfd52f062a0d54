import { describe, expect, it } from "vitest";
import type { RecognizedSegment } from "../../gateway/engines/ocr-engine.ts";
import { groupIntoLines } from "../../gateway/engines/reading-order.ts";

function segment(text: string, x: number, y: number, width = 60, height = 20): RecognizedSegment {
  return { text, confidence: 0.9, box: { x, y, width, height } };
}

describe("groupIntoLines", () => {
  it("puts boxes of one row on one line, left to right, rows top to bottom", () => {
    const lines = groupIntoLines([
      segment("12.00", 300, 102),
      segment("CASH", 10, 140),
      segment("TOTAL", 10, 100),
      segment("RM", 200, 98),
    ]);
    expect(lines.map((l) => l.text)).toEqual(["TOTAL RM 12.00", "CASH"]);
    expect(lines[0]?.box).toEqual({ x: 10, y: 98, width: 350, height: 24 });
    expect(lines[0]?.segments?.map((s) => s.text)).toEqual(["TOTAL", "RM", "12.00"]);
  });

  it("follows a skewed row across the page instead of interleaving it with the next", () => {
    const row1 = [
      segment("A1", 0, 100),
      segment("A2", 100, 106),
      segment("A3", 200, 112),
      segment("A4", 300, 118),
    ];
    const row2 = [segment("B1", 0, 140), segment("B2", 100, 146), segment("B3", 200, 152)];
    const lines = groupIntoLines([...row2, ...row1]);
    expect(lines.map((l) => l.text)).toEqual(["A1 A2 A3 A4", "B1 B2 B3"]);
  });

  it("keeps adjacent rows apart when padded boxes overlap, given the text core fraction", () => {
    // Text 20 px high, lines 12 px apart; boxes padded to 1.8× the text height overlap by two thirds.
    const padded = [segment("first", 0, 100, 80, 36), segment("second", 100, 112, 80, 36)];
    expect(groupIntoLines(padded).map((l) => l.text)).toEqual(["first second"]);
    expect(groupIntoLines(padded, 1 / 1.8).map((l) => l.text)).toEqual(["first", "second"]);
  });

  it("averages confidences per line and drops empty texts", () => {
    const lines = groupIntoLines([
      { text: "A", confidence: 1, box: { x: 0, y: 0, width: 10, height: 10 } },
      { text: "B", confidence: 0.5, box: { x: 20, y: 0, width: 10, height: 10 } },
      { text: "  ", confidence: 0.1, box: { x: 40, y: 0, width: 10, height: 10 } },
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.confidence).toBe(0.75);
  });
});
