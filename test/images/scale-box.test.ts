import { describe, expect, it } from "vitest";
import { scaleBox } from "../../gateway/images/scale-box.ts";

describe("scaleBox", () => {
  it("maps a box on the downscaled image back to the uploaded size", () => {
    expect(
      scaleBox([100, 200, 300, 400], { width: 1131, height: 1600 }, { width: 4961, height: 7016 }),
    ).toEqual([(100 * 4961) / 1131, (200 * 7016) / 1600, (300 * 4961) / 1131, (400 * 7016) / 1600]);
  });

  it("clamps boxes that spill over the edge", () => {
    expect(scaleBox([-3, 5, 105, 52], { width: 100, height: 50 }, { width: 200, height: 100 })).toEqual([
      0, 10, 200, 100,
    ]);
  });
});
