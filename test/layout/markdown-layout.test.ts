import { describe, expect, it } from "vitest";
import type { RecognizedSegment } from "../../gateway/engines/ocr-engine.ts";
import { groupIntoLines } from "../../gateway/engines/reading-order.ts";
import { markdownFromLines } from "../../gateway/layout/markdown-layout.ts";

/** Text 20 px high; `pad` grows the box above and below as detectors do (0.4 × height each side for PP-OCR). */
function segment(text: string, x: number, y: number, width: number, height = 20, pad = 0): RecognizedSegment {
  const margin = height * pad;
  return {
    text,
    confidence: 0.9,
    box: { x, y: y - margin, width, height: height + 2 * margin },
  };
}

const PITCH = 28;

/** Lines of one column: paragraphs of `sizes` lines, a blank line's pitch between paragraphs. */
function column(name: string, x: number, top: number, sizes: number[], pad: number): RecognizedSegment[] {
  const segments: RecognizedSegment[] = [];
  let y = top;
  sizes.forEach((size, paragraph) => {
    for (let line = 0; line < size; line++) {
      const last = line === size - 1;
      const text = `${name} paragraph ${paragraph + 1} line ${line + 1} of running prose text`;
      segments.push(segment(text, x, y, last ? 250 : 400, 20, pad));
      y += PITCH;
    }
    y += PITCH;
  });
  return segments;
}

function twoColumnPage(pad: number): RecognizedSegment[] {
  return [
    segment("Columns Considered Harmful", 250, 30, 500, 50, pad),
    ...column("Left", 50, 120, [3, 4], pad),
    ...column("Right", 530, 120, [4, 3], pad),
    segment("Page footer spanning both columns of the page", 200, 500, 600, 16, pad),
  ];
}

describe("markdownFromLines", () => {
  it("reads two columns one after the other, under a title heading, with paragraphs from gaps", () => {
    // The engine groups boxes that share a row into one line, across the gutter.
    const lines = groupIntoLines(twoColumnPage(0));
    expect(lines.some((line) => line.text.startsWith("Left") && line.text.includes("Right"))).toBe(true);
    const { markdown, lines: laidOut } = markdownFromLines(lines);
    const blocks = markdown.split("\n\n");
    expect(blocks[0]).toBe("# Columns Considered Harmful");
    expect(blocks.slice(1, 5).map((block) => block.slice(0, 16))).toEqual([
      "Left paragraph 1",
      "Left paragraph 2",
      "Right paragraph ",
      "Right paragraph ",
    ]);
    // Prose paragraphs become one line each.
    expect(blocks[1]).toBe(
      [1, 2, 3].map((line) => `Left paragraph 1 line ${line} of running prose text`).join(" "),
    );
    expect(blocks[3]).toContain("Right paragraph 1 line 4");
    expect(blocks[4]).toMatch(/^Right paragraph 2 line 1/);
    expect(blocks.at(-1)).toBe("Page footer spanning both columns of the page");
    // Every box once, split at the gutter, in the Markdown's order.
    expect(laidOut).toHaveLength(1 + 7 + 7 + 1);
    expect(laidOut[1]).toMatchObject({ text: expect.stringMatching(/^Left/), confidence: 0.9 });
    expect(laidOut[8]?.text).toMatch(/^Right paragraph 1 line 1/);
    expect(laidOut[8]?.box.x).toBe(530);
  });

  it("reads three columns left to right", () => {
    const lines = groupIntoLines([
      ...column("West", 20, 100, [5], 0).map((s) => ({ ...s, box: { ...s.box, width: s.box.width * 0.7 } })),
      ...column("Middle", 340, 100, [5], 0).map((s) => ({
        ...s,
        box: { ...s.box, width: s.box.width * 0.7 },
      })),
      ...column("East", 660, 100, [5], 0).map((s) => ({ ...s, box: { ...s.box, width: s.box.width * 0.7 } })),
    ]);
    const { markdown } = markdownFromLines(lines);
    expect(markdown.split("\n\n").map((block) => block.split(" ")[0])).toEqual(["West", "Middle", "East"]);
  });

  it("gives the same Markdown when the detector pads its boxes", () => {
    const plain = markdownFromLines(groupIntoLines(twoColumnPage(0))).markdown;
    const padded = markdownFromLines(groupIntoLines(twoColumnPage(0.4), 1 / 1.8)).markdown;
    expect(padded).toBe(plain);
  });

  it("keeps a single column top to bottom and short lines on their own lines", () => {
    const lines = groupIntoLines([
      segment("ACME STORE", 100, 10, 200, 30),
      segment("1 Main Street", 100, 60, 150),
      segment("Springfield", 100, 88, 120),
      segment("Thank you", 100, 180, 100),
    ]);
    expect(markdownFromLines(lines).markdown).toBe(
      "## ACME STORE\n\n1 Main Street\nSpringfield\n\nThank you",
    );
  });

  it("does not take a box over two lines (tall, with body-sized characters) for a heading", () => {
    const lines = groupIntoLines([
      segment("Item one of the list", 50, 100, 200),
      segment("Two lines read as one by the detector", 50, 128, 370, 44),
      segment("Item three of the list", 50, 184, 220),
    ]);
    expect(markdownFromLines(lines).markdown).not.toContain("#");
  });

  it("keeps table-like rows as aligned text lines, not columns, and the amounts in one text column", () => {
    const items = ["Coffee", "Bagel with cream cheese", "Orange juice", "Muffin", "Tea"];
    const segments = items.flatMap((item, row) => [
      segment(item, 50, 100 + row * PITCH, item.length * 10),
      segment(`${row + 1}.50`, 400, 100 + row * PITCH, 40),
    ]);
    segments.push(segment("TOTAL", 50, 100 + 5 * PITCH, 50), segment("15.00", 390, 100 + 5 * PITCH, 50));
    const { markdown, lines } = markdownFromLines(groupIntoLines(segments));
    const rows = markdown.split("\n");
    expect(rows).toHaveLength(6);
    expect(rows[0]).toMatch(/^Coffee {2,}1\.50$/);
    expect(rows[1]).toMatch(/^Bagel with cream cheese {2,}2\.50$/);
    // Amounts start at the same character column (the total sits 10 px, one character, further left).
    const columns = rows.slice(0, 5).map((row) => row.search(/\d\.50$/));
    expect(new Set(columns).size).toBe(1);
    expect(rows[5]?.search(/15\.00$/)).toBe((columns[0] ?? 0) - 1);
    expect(lines.map((line) => line.text)).toContain("Coffee 1.50");
  });

  it("does not read a four-column table as text columns", () => {
    const segments: RecognizedSegment[] = [];
    for (let row = 0; row < 6; row++) {
      for (let cell = 0; cell < 4; cell++) {
        segments.push(segment(`r${row}c${cell} value`, 50 + cell * 220, 100 + row * PITCH, 150));
      }
    }
    const { markdown } = markdownFromLines(groupIntoLines(segments));
    const rows = markdown.split("\n");
    expect(rows).toHaveLength(6);
    expect(rows[0]).toMatch(/^r0c0 value {2,}r0c1 value {2,}r0c2 value {2,}r0c3 value$/);
  });

  it("keeps OCR text that looks like Markdown syntax literal", () => {
    const lines = groupIntoLines([
      segment("Item one", 50, 100, 80),
      segment("-----", 50, 128, 50),
      segment("#42 receipt", 50, 156, 110),
    ]);
    expect(markdownFromLines(lines).markdown).toBe("Item one\n\\-----\n\\#42 receipt");
  });

  it("answers empty Markdown for a page without lines", () => {
    expect(markdownFromLines([])).toEqual({ markdown: "", lines: [] });
  });
});
