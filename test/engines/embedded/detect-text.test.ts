import { describe, expect, it } from "vitest";
import {
  detectionTensor,
  regionCorners,
  regionsFromProbabilityMap,
} from "../../../gateway/engines/embedded/detect-text.ts";
import { cutLine } from "../../../gateway/engines/embedded/line-image.ts";

function map(width: number, height: number, paint: (x: number, y: number) => number): Float32Array {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = paint(x, y);
  return data;
}

describe("detectionTensor", () => {
  it("feeds the planes B, G, R with the means PaddleOCR normalises its OpenCV images with", () => {
    // One pure blue pixel: plane 0 (blue) is at its maximum, the red plane at its minimum.
    const tensor = detectionTensor({ data: Uint8Array.from([0, 0, 255]), width: 1, height: 1 });
    expect(tensor[0]).toBeCloseTo((1 - 0.485) / 0.229);
    expect(tensor[1]).toBeCloseTo(-0.456 / 0.224);
    expect(tensor[2]).toBeCloseTo(-0.406 / 0.225);
  });
});

describe("regionsFromProbabilityMap", () => {
  it("grows a horizontal kernel by area × 1.5 / perimeter on every side", () => {
    // Kernel 40 × 4 px at (10, 20): grown by 40·4·1.5/(2·44) ≈ 2.73 px a side.
    const probabilities = map(64, 48, (x, y) => (x >= 10 && x < 50 && y >= 20 && y < 24 ? 0.9 : 0));
    const [region] = regionsFromProbabilityMap(probabilities, 64, 48);
    expect(region).toBeDefined();
    expect(region?.centerX).toBeCloseTo(30);
    expect(region?.centerY).toBeCloseTo(22);
    expect(region?.axisX).toBeCloseTo(1);
    expect(region?.length).toBeCloseTo(40 + (2 * 40 * 4 * 1.5) / 88);
    expect(region?.thickness).toBeCloseTo(4 + (2 * 40 * 4 * 1.5) / 88);
    expect(region?.score).toBeCloseTo(0.9);
  });

  it("drops kernels the detector is unsure of, and specks", () => {
    const probabilities = map(64, 48, (x, y) => {
      if (x >= 10 && x < 50 && y >= 5 && y < 9) return 0.45;
      if (x === 30 && y === 30) return 0.99;
      return 0;
    });
    expect(regionsFromProbabilityMap(probabilities, 64, 48)).toEqual([]);
  });

  it("follows a skewed line along its slope instead of boxing it", () => {
    // A 3-px-thick line rising 1 px every 10 px (≈ 5.7°).
    const probabilities = map(200, 80, (x, y) =>
      x >= 20 && x < 180 && Math.abs(y - (60 - (x - 20) / 10)) < 1.5 ? 0.9 : 0,
    );
    const [region] = regionsFromProbabilityMap(probabilities, 200, 80);
    if (region === undefined) throw new Error("no region");
    expect(Math.atan2(region?.axisY ?? 0, region?.axisX ?? 0)).toBeCloseTo(-Math.atan(0.1), 1);
    expect(region?.thickness).toBeLessThan(12);
    const corners = regionCorners(region);
    expect(corners[0]?.[0]).toBeLessThan(corners[1]?.[0] ?? 0);
  });
});

describe("cutLine", () => {
  it("cuts a region out of a finer raster and scales it to the height asked for", () => {
    // A 200 × 100 white raster with a black bar; the region is given on a raster half as fine.
    const data = new Uint8Array(200 * 100).fill(255);
    for (let y = 40; y < 60; y++) data.fill(0, y * 200 + 40, y * 200 + 160);
    const line = cutLine(
      { data, width: 200, height: 100 },
      { centerX: 50, centerY: 25, axisX: 1, axisY: 0, length: 80, thickness: 20, score: 1 },
      { x: 2, y: 2 },
      20,
      1000,
    );
    expect([line.width, line.height]).toEqual([80, 20]);
    expect(line.data[10 * 80 + 40]).toBe(0);
    expect(line.data[0]).toBe(255);
    expect(line.data[10 * 80 + 5]).toBe(255);
  });
});
