import type { RgbRaster } from "./bound-image.ts";

/**
 * DB post-processing as PaddleOCR ships it for PP-OCR detectors (`DBPostProcess` defaults): pixels above
 * `BINARY_THRESHOLD` form text kernels, kernels whose mean probability is below `BOX_THRESHOLD` are dropped, and
 * each kept kernel's minimum rectangle is grown by `area × UNCLIP_RATIO / perimeter` on every side (the detector
 * is trained on shrunk kernels).
 */
const BINARY_THRESHOLD = 0.3;
const BOX_THRESHOLD = 0.6;
const UNCLIP_RATIO = 1.5;
const MIN_SIDE = 3;
/** Kernels less elongated than this (a lone character or two) are read axis-aligned: their angle means nothing. */
const MIN_ELONGATION = 2;

/**
 * The normalisation PP-OCR detectors were trained with: PaddleOCR reads images with OpenCV, so its planes are
 * B, G, R, and it applies these (ImageNet's) means and deviations to them in that order.
 */
const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;

/**
 * A detected text line as a rotated rectangle, in pixels of the detection raster (continuous coordinates: pixel
 * `x` spans `[x, x + 1)`). `axis` is the unit vector along the text, left to right; across is `(-axis.y, axis.x)`.
 */
export interface TextRegion {
  centerX: number;
  centerY: number;
  axisX: number;
  axisY: number;
  /** Along the text. */
  length: number;
  /** Across the text. */
  thickness: number;
  /** Mean text probability of the kernel. */
  score: number;
}

/** The detector's input tensor (NCHW, B-G-R planes, normalised as in training) for an RGB raster. */
export function detectionTensor(raster: RgbRaster): Float32Array {
  const { data, width, height } = raster;
  const plane = width * height;
  const tensor = new Float32Array(3 * plane);
  for (let channel = 0; channel < 3; channel++) {
    const scale = 1 / (255 * (STD[channel] as number));
    const shift = (MEAN[channel] as number) / (STD[channel] as number);
    const offset = channel * plane;
    for (let i = 0; i < plane; i++)
      tensor[offset + i] = (data[i * 3 + 2 - channel] as number) * scale - shift;
  }
  return tensor;
}

/** The four corners of a region, clockwise from the start of its top edge. */
export function regionCorners(region: TextRegion): Array<[number, number]> {
  const { centerX, centerY, axisX, axisY } = region;
  const halfLength = region.length / 2;
  const halfThickness = region.thickness / 2;
  return [
    [-1, -1],
    [1, -1],
    [1, 1],
    [-1, 1],
  ].map(([along, across]) => [
    centerX + (along as number) * halfLength * axisX - (across as number) * halfThickness * axisY,
    centerY + (along as number) * halfLength * axisY + (across as number) * halfThickness * axisX,
  ]);
}

/**
 * A region mapped onto an image `scale` times finer than the detection raster: its centre, its extents and the
 * unit vectors along and across it, all in that image's pixels (a tilted axis mixes both scales).
 */
export interface RegionFrame {
  centerX: number;
  centerY: number;
  length: number;
  thickness: number;
  alongX: number;
  alongY: number;
  acrossX: number;
  acrossY: number;
}

export function regionFrame(region: TextRegion, scale: { x: number; y: number }): RegionFrame {
  const { axisX, axisY } = region;
  const alongScale = Math.hypot(axisX * scale.x, axisY * scale.y);
  const acrossScale = Math.hypot(axisY * scale.x, axisX * scale.y);
  return {
    centerX: region.centerX * scale.x,
    centerY: region.centerY * scale.y,
    length: region.length * alongScale,
    thickness: region.thickness * acrossScale,
    alongX: (axisX * scale.x) / alongScale,
    alongY: (axisY * scale.y) / alongScale,
    acrossX: (-axisY * scale.x) / acrossScale,
    acrossY: (axisX * scale.y) / acrossScale,
  };
}

/**
 * Text regions from the detector's probability map (`width` × `height`, one value per pixel of the raster that
 * was fed): 8-connected kernels (as OpenCV's contours), each as its minimum rectangle along its principal axis,
 * so a line on a skewed receipt is cut along its own slope instead of with a slice of its neighbours.
 */
export function regionsFromProbabilityMap(map: Float32Array, width: number, height: number): TextRegion[] {
  const visited = new Uint8Array(width * height);
  const queue = new Int32Array(width * height);
  const regions: TextRegion[] = [];
  for (let start = 0; start < map.length; start++) {
    if (visited[start] !== 0 || (map[start] as number) <= BINARY_THRESHOLD) continue;
    visited[start] = 1;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    let sum = 0;
    let sx = 0;
    let sy = 0;
    while (head < tail) {
      const index = queue[head++] as number;
      const x = index % width;
      const y = (index - x) / width;
      sum += map[index] as number;
      sx += x;
      sy += y;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const neighbour = ny * width + nx;
          if (visited[neighbour] !== 0 || (map[neighbour] as number) <= BINARY_THRESHOLD) continue;
          visited[neighbour] = 1;
          queue[tail++] = neighbour;
        }
      }
    }
    // Scored over the kernel's own pixels (PaddleOCR's "slow" score).
    if (sum / tail < BOX_THRESHOLD) continue;
    const meanX = sx / tail;
    const meanY = sy / tail;
    let xx = 0;
    let yy = 0;
    let xy = 0;
    for (let i = 0; i < tail; i++) {
      const index = queue[i] as number;
      const dx = (index % width) - meanX;
      const dy = Math.floor(index / width) - meanY;
      xx += dx * dx;
      yy += dy * dy;
      xy += dx * dy;
    }
    const spread = Math.sqrt((xx - yy) ** 2 + 4 * xy * xy);
    const major = (xx + yy + spread) / 2;
    const minor = (xx + yy - spread) / 2;
    let angle = major > MIN_ELONGATION ** 2 * Math.max(minor, 1e-9) ? 0.5 * Math.atan2(2 * xy, xx - yy) : 0;
    // Left to right: a near-vertical axis points down.
    if (angle > Math.PI / 2) angle -= Math.PI;
    if (angle <= -Math.PI / 2) angle += Math.PI;
    const axisX = Math.cos(angle);
    const axisY = Math.sin(angle);
    let minAlong = Infinity;
    let maxAlong = -Infinity;
    let minAcross = Infinity;
    let maxAcross = -Infinity;
    for (let i = 0; i < tail; i++) {
      const index = queue[i] as number;
      const dx = (index % width) - meanX;
      const dy = Math.floor(index / width) - meanY;
      const along = dx * axisX + dy * axisY;
      const across = -dx * axisY + dy * axisX;
      if (along < minAlong) minAlong = along;
      if (along > maxAlong) maxAlong = along;
      if (across < minAcross) minAcross = across;
      if (across > maxAcross) maxAcross = across;
    }
    // Each pixel is a unit square: extents reach half a pixel past the outermost centres.
    const length = maxAlong - minAlong + 1;
    const thickness = maxAcross - minAcross + 1;
    if (Math.min(length, thickness) < MIN_SIDE) continue;
    const grow = (length * thickness * UNCLIP_RATIO) / (length + thickness);
    const middleAlong = (minAlong + maxAlong) / 2;
    const middleAcross = (minAcross + maxAcross) / 2;
    regions.push({
      centerX: meanX + 0.5 + middleAlong * axisX - middleAcross * axisY,
      centerY: meanY + 0.5 + middleAlong * axisY + middleAcross * axisX,
      axisX,
      axisY,
      length: length + grow,
      thickness: thickness + grow,
      score: sum / tail,
    });
  }
  return regions;
}
