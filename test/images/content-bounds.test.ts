import { describe, expect, it } from "vitest";
import { findContentBounds, type GrayRaster } from "../../gateway/images/content-bounds.ts";

function page(width: number, height: number, background: number): GrayRaster {
  return { data: new Uint8Array(width * height).fill(background), width, height };
}

function paint(raster: GrayRaster, x: number, y: number, width: number, height: number, level: number): void {
  for (let row = y; row < y + height; row++)
    raster.data.fill(level, row * raster.width + x, row * raster.width + x + width);
}

describe("findContentBounds", () => {
  it("finds a document on a white page, with the margin asked for", () => {
    const raster = page(200, 300, 250);
    paint(raster, 80, 100, 40, 90, 30);
    expect(findContentBounds(raster, 5)).toEqual({ x: 75, y: 95, width: 50, height: 100 });
  });

  it("takes the page's own background level (a grey flatbed lid), not white", () => {
    const raster = page(100, 100, 120);
    paint(raster, 40, 40, 10, 10, 250);
    expect(findContentBounds(raster, 0)).toEqual({ x: 40, y: 40, width: 10, height: 10 });
  });

  it("ignores faint shading", () => {
    const raster = page(100, 100, 250);
    paint(raster, 0, 0, 100, 50, 235);
    paint(raster, 10, 60, 5, 5, 0);
    expect(findContentBounds(raster, 0)).toEqual({ x: 10, y: 60, width: 5, height: 5 });
  });

  it("clips the margin to the raster and answers null for an empty page", () => {
    const raster = page(50, 50, 255);
    expect(findContentBounds(raster, 3)).toBeNull();
    paint(raster, 0, 0, 50, 2, 0);
    expect(findContentBounds(raster, 3)).toEqual({ x: 0, y: 0, width: 50, height: 5 });
  });
});
