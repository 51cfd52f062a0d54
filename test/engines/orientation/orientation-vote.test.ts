import { describe, expect, it } from "vitest";
import {
  decideRotation,
  MIN_LINES,
  meanVote,
  pageLayout,
} from "../../../gateway/engines/orientation/orientation-vote.ts";
import type { TextRegion } from "../../../gateway/engines/orientation/text-regions.ts";

const line = (x1: number, y1: number, width: number, height: number): TextRegion => ({
  x1,
  y1,
  x2: x1 + width,
  y2: y1 + height,
  score: 0.9,
});
const rows = (count: number) => Array.from({ length: count }, (_, i) => line(10, 20 * i, 120, 12));
const columns = (count: number) => Array.from({ length: count }, (_, i) => line(20 * i, 10, 12, 120));

describe("pageLayout", () => {
  it("tells lines running across from lines running down", () => {
    expect(pageLayout(rows(6))?.sideways).toBe(false);
    expect(pageLayout(columns(6))?.sideways).toBe(true);
    expect(pageLayout(columns(6))?.lines).toHaveLength(6);
  });

  it("weighs regions by length: a few long lines outweigh many short tall marks", () => {
    const marks = Array.from({ length: 10 }, (_, i) => line(300 + 10 * i, 0, 4, 12));
    expect(pageLayout([...rows(4), ...marks])?.sideways).toBe(false);
  });

  it("gives up on too little text: a blank page, square blobs, a couple of words", () => {
    expect(pageLayout([])).toBeUndefined();
    expect(pageLayout([line(0, 0, 30, 30), line(50, 50, 40, 35)])).toBeUndefined();
    expect(pageLayout(rows(MIN_LINES - 1))).toBeUndefined();
    expect(pageLayout(rows(MIN_LINES))).toBeDefined();
  });

  it("classifies at most 24 lines, the longest first", () => {
    const many = Array.from({ length: 40 }, (_, i) => line(0, 20 * i, 50 + i, 10));
    const { lines = [] } = pageLayout(many) ?? {};
    expect(lines).toHaveLength(24);
    expect(lines[0]?.x2).toBe(89);
  });
});

describe("decideRotation", () => {
  const upright = { upright: 0.95, upsideDown: 0.05 };
  const flipped = { upright: 0.05, upsideDown: 0.95 };
  const unsure = { upright: 0.45, upsideDown: 0.55 };

  it("turns a sideways page by 90 or 270 from the turned lines' direction", () => {
    expect(decideRotation(true, [upright, upright, flipped])).toBe(90);
    expect(decideRotation(true, [flipped, flipped, upright])).toBe(270);
  });

  it("flips an across-running page only on a clear majority", () => {
    expect(decideRotation(false, [flipped, flipped, flipped])).toBe(180);
    expect(decideRotation(false, [upright, upright, upright])).toBe(0);
    expect(decideRotation(false, [unsure, unsure, unsure])).toBe(0);
    expect(decideRotation(false, [flipped, upright, flipped])).toBe(0);
    expect(meanVote([])).toBe(0);
  });
});
