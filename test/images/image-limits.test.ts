import { describe, expect, it } from "vitest";
import {
  DEFAULT_IMAGE_LIMITS,
  EMBEDDED_IMAGE_LIMITS,
  fitWithinLimits,
} from "../../gateway/images/image-limits.ts";

describe("fitWithinLimits", () => {
  it("never upscales", () => {
    expect(fitWithinLimits({ width: 300, height: 200 }, DEFAULT_IMAGE_LIMITS)).toEqual({
      width: 300,
      height: 200,
    });
  });

  it("bounds the long side and keeps the aspect ratio", () => {
    expect(fitWithinLimits({ width: 4961, height: 7016 }, EMBEDDED_IMAGE_LIMITS)).toEqual({
      width: 1131,
      height: 1600,
    });
    expect(fitWithinLimits({ width: 7000, height: 5000 }, DEFAULT_IMAGE_LIMITS)).toEqual({
      width: 2048,
      height: 1462,
    });
  });

  it("bounds the pixel count when it is the tighter limit", () => {
    const fitted = fitWithinLimits(
      { width: 4000, height: 4000 },
      { maxLongSide: 4096, maxPixels: 1_000_000 },
    );
    expect(fitted).toEqual({ width: 1000, height: 1000 });
  });

  it("raises the short side rather than exceed a 200:1 ratio after rounding", () => {
    const fitted = fitWithinLimits({ width: 40_000, height: 200 }, DEFAULT_IMAGE_LIMITS);
    expect(fitted).toEqual({ width: 2048, height: 11 });
  });
});
