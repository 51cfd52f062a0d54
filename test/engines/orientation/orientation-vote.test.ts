import { describe, expect, it } from "vitest";
import type { TextRegion } from "../../../gateway/engines/embedded/detect-text.ts";
import {
  decideRotation,
  MIN_LINES,
  meanVote,
  pageLayout,
} from "../../../gateway/engines/orientation/orientation-vote.ts";

/** A detected region centred at (x, y), its axis `angle` radians from the x axis (the detector's convention). */
const region = (x: number, y: number, length: number, thickness: number, angle = 0): TextRegion => ({
  centerX: x,
  centerY: y,
  axisX: Math.cos(angle),
  axisY: Math.sin(angle),
  length,
  thickness,
  score: 0.9,
});
const rows = (count: number) => Array.from({ length: count }, (_, i) => region(70, 20 * i, 120, 12));
const columns = (count: number) =>
  Array.from({ length: count }, (_, i) => region(20 * i, 70, 120, 12, Math.PI / 2));

describe("pageLayout", () => {
  it("tells lines running across from lines running down, skewed ones too", () => {
    expect(pageLayout(rows(6))?.sideways).toBe(false);
    expect(pageLayout(columns(6))?.sideways).toBe(true);
    expect(pageLayout(columns(6))?.lines).toHaveLength(6);
    const skewed = (angle: number) => [0, 1, 2].map((i) => region(100, 30 * i, 150, 14, angle));
    expect(pageLayout(skewed(0.3))?.sideways).toBe(false);
    expect(pageLayout(skewed(-0.3))?.sideways).toBe(false);
    expect(pageLayout(skewed(Math.PI / 2 - 0.3))?.sideways).toBe(true);
    expect(pageLayout(skewed(-Math.PI / 2 + 0.3))?.sideways).toBe(true);
  });

  it("weighs regions by length: a few long lines outweigh many short tall marks", () => {
    const marks = Array.from({ length: 10 }, (_, i) => region(300 + 10 * i, 0, 12, 4, Math.PI / 2));
    expect(pageLayout([...rows(4), ...marks])?.sideways).toBe(false);
  });

  it("gives up on too little text: a blank page, square blobs, a couple of words", () => {
    expect(pageLayout([])).toBeUndefined();
    expect(pageLayout([region(0, 0, 30, 30), region(50, 50, 40, 35)])).toBeUndefined();
    expect(pageLayout(rows(MIN_LINES - 1))).toBeUndefined();
    expect(pageLayout(rows(MIN_LINES))).toBeDefined();
  });

  it("classifies at most 24 lines, the longest first", () => {
    const many = Array.from({ length: 40 }, (_, i) => region(0, 20 * i, 50 + i, 10));
    const { lines = [] } = pageLayout(many) ?? {};
    expect(lines).toHaveLength(24);
    expect(lines[0]?.length).toBe(89);
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
