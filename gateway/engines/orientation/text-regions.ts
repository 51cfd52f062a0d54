/** A text region found by the detector, in pixels of its probability map (right and bottom edges exclusive). */
export interface TextRegion {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Mean text probability over the region's pixels. */
  score: number;
}

export interface TextRegionOptions {
  /** Probability above which a pixel is text (PP-OCR's `det_db_thresh`). Default 0.3. */
  pixelThreshold?: number;
  /** Mean probability a region needs to count (PP-OCR's `det_db_box_thresh`). Default 0.6. */
  regionThreshold?: number;
  /** Regions whose shorter side is below this many pixels are noise. Default 3. */
  minSide?: number;
}

/**
 * The text regions of a DB detector's probability map (PP-OCR's detection output): the 8-connected components
 * of the pixels above `pixelThreshold`, as axis-aligned boxes, grown by the DB "unclip" offset
 * (area × 1.5 / perimeter, PP-OCR's `unclip_ratio`) since the model marks a shrunk kernel of each text line.
 * Clamped to the map. Axis-aligned boxes are enough to tell lines from columns and to crop lines.
 */
export function findTextRegions(
  probability: Float32Array,
  width: number,
  height: number,
  options: TextRegionOptions = {},
): TextRegion[] {
  const pixelThreshold = options.pixelThreshold ?? 0.3;
  const regionThreshold = options.regionThreshold ?? 0.6;
  const minSide = options.minSide ?? 3;
  const labels = new Int32Array(width * height);
  const stack: number[] = [];
  const regions: TextRegion[] = [];
  let label = 0;
  for (let start = 0; start < labels.length; start++) {
    if (labels[start] !== 0 || (probability[start] ?? 0) <= pixelThreshold) continue;
    label++;
    labels[start] = label;
    stack.push(start);
    let x1 = width;
    let y1 = height;
    let x2 = 0;
    let y2 = 0;
    let sum = 0;
    let count = 0;
    while (stack.length > 0) {
      const index = stack.pop() as number;
      const x = index % width;
      const y = (index - x) / width;
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x + 1);
      y2 = Math.max(y2, y + 1);
      sum += probability[index] ?? 0;
      count++;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const next = ny * width + nx;
          if (labels[next] === 0 && (probability[next] ?? 0) > pixelThreshold) {
            labels[next] = label;
            stack.push(next);
          }
        }
      }
    }
    const score = sum / count;
    const w = x2 - x1;
    const h = y2 - y1;
    if (score < regionThreshold || Math.min(w, h) < minSide) continue;
    const grow = (w * h * 1.5) / (2 * (w + h));
    regions.push({
      x1: Math.max(0, x1 - grow),
      y1: Math.max(0, y1 - grow),
      x2: Math.min(width, x2 + grow),
      y2: Math.min(height, y2 + grow),
      score,
    });
  }
  return regions;
}
