import { describe, expect, it } from "vitest";
import { findTextRegions } from "../../../gateway/engines/orientation/text-regions.ts";

/** A probability map with rectangles of the given probability on zeros. */
function map(width: number, height: number, blocks: Array<[number, number, number, number, number]>) {
  const data = new Float32Array(width * height);
  for (const [x1, y1, x2, y2, p] of blocks)
    for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) data[y * width + x] = p;
  return data;
}

describe("findTextRegions", () => {
  it("finds each connected block, grown by the DB unclip offset and clamped to the map", () => {
    const regions = findTextRegions(map(100, 50, [[10, 10, 50, 16, 0.9]]), 100, 50);
    expect(regions).toHaveLength(1);
    const [region] = regions;
    // 40 × 6 kernel: offset = 240 × 1.5 / 92.
    const grow = (240 * 1.5) / 92;
    expect(region?.x1).toBeCloseTo(10 - grow);
    expect(region?.y2).toBeCloseTo(16 + grow);
    expect(region?.score).toBeCloseTo(0.9);
    const edge = findTextRegions(map(100, 50, [[0, 0, 40, 6, 0.9]]), 100, 50)[0];
    expect(edge).toMatchObject({ x1: 0, y1: 0 });
  });

  it("joins diagonal neighbours and keeps separate blocks apart", () => {
    const touching = map(30, 30, [
      [0, 0, 5, 5, 0.9],
      [5, 5, 10, 10, 0.9],
      [20, 20, 26, 26, 0.9],
    ]);
    expect(findTextRegions(touching, 30, 30)).toHaveLength(2);
  });

  it("drops faint regions, specks and an empty map", () => {
    const faint = map(60, 20, [
      [2, 2, 40, 8, 0.45],
      [50, 2, 52, 4, 0.99],
    ]);
    expect(findTextRegions(faint, 60, 20)).toEqual([]);
    expect(findTextRegions(new Float32Array(64 * 64), 64, 64)).toEqual([]);
  });
});
