import type { PixelBox, RecognizedLine, RecognizedSegment } from "./ocr-engine.ts";

/** Two boxes belong to one line when their text cores share at least this fraction of the shorter core. */
const MIN_VERTICAL_OVERLAP = 0.5;

interface LineBand {
  boxes: RecognizedSegment[];
  top: number;
  bottom: number;
}

function verticalCore(box: PixelBox, coreFraction: number): { top: number; bottom: number } {
  const margin = (box.height * (1 - coreFraction)) / 2;
  return { top: box.y + margin, bottom: box.y + box.height - margin };
}

function verticalOverlap(band: LineBand, core: { top: number; bottom: number }): number {
  const overlap = Math.min(band.bottom, core.bottom) - Math.max(band.top, core.top);
  const shorter = Math.min(band.bottom - band.top, core.bottom - core.top);
  return shorter > 0 ? overlap / shorter : 0;
}

function unionBox(boxes: RecognizedSegment[]): PixelBox {
  const left = Math.min(...boxes.map((b) => b.box.x));
  const top = Math.min(...boxes.map((b) => b.box.y));
  const right = Math.max(...boxes.map((b) => b.box.x + b.box.width));
  const bottom = Math.max(...boxes.map((b) => b.box.y + b.box.height));
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/**
 * Groups text boxes into lines in reading order: boxes whose text cores overlap vertically by at least half the
 * shorter core join one line (matched against the line's latest box, so a slightly skewed receipt line still
 * chains), lines are ordered top to bottom, boxes within a line left to right and joined with a space. A line's
 * confidence is the mean of its boxes' and `segments` keeps the boxes; empty texts are dropped.
 *
 * @param coreFraction share of a box's height that is text (default 1). Detectors that pad their boxes make
 *   padded boxes of adjacent lines overlap; passing the inverse of the padding compares the text itself.
 */
export function groupIntoLines(boxes: readonly RecognizedSegment[], coreFraction = 1): RecognizedLine[] {
  const sorted = boxes
    .filter((b) => b.text.trim() !== "")
    .sort((a, b) => a.box.y + a.box.height / 2 - (b.box.y + b.box.height / 2) || a.box.x - b.box.x);
  const bands: LineBand[] = [];
  for (const item of sorted) {
    let best: LineBand | undefined;
    let bestOverlap = MIN_VERTICAL_OVERLAP;
    const core = verticalCore(item.box, coreFraction);
    for (const band of bands) {
      const overlap = verticalOverlap(band, core);
      if (overlap >= bestOverlap) {
        best = band;
        bestOverlap = overlap;
      }
    }
    if (best === undefined) {
      bands.push({ boxes: [item], ...core });
    } else {
      best.boxes.push(item);
      best.top = core.top;
      best.bottom = core.bottom;
    }
  }
  return bands
    .map((band) => {
      const ordered = band.boxes.sort((a, b) => a.box.x - b.box.x);
      const confidence = ordered.reduce((sum, b) => sum + b.confidence, 0) / ordered.length;
      const text = ordered.map((b) => b.text.trim()).join(" ");
      return { text, confidence, box: unionBox(ordered), segments: ordered };
    })
    .sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
}
