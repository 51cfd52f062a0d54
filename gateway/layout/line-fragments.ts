import type { PixelBox, RecognizedLine, RecognizedSegment } from "../engines/ocr-engine.ts";

/**
 * A piece of one recognised line: the line's segments that fall in one column. A line of a two-column page
 * is read as one line by the engine (its boxes share a row), and split into one fragment per column here.
 */
export interface LineFragment {
  segments: RecognizedSegment[];
  box: PixelBox;
  /** Text height of the fragment: the median of its segments' heights (a skewed line's union is taller). */
  height: number;
  centerY: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function right(box: PixelBox): number {
  return box.x + box.width;
}

function unionBox(segments: readonly RecognizedSegment[]): PixelBox {
  const left = Math.min(...segments.map((s) => s.box.x));
  const top = Math.min(...segments.map((s) => s.box.y));
  const maxRight = Math.max(...segments.map((s) => right(s.box)));
  const bottom = Math.max(...segments.map((s) => s.box.y + s.box.height));
  return { x: left, y: top, width: maxRight - left, height: bottom - top };
}

/** A fragment of the given segments (non-empty), ordered left to right. */
export function fragmentOf(segments: readonly RecognizedSegment[]): LineFragment {
  const ordered = [...segments].sort((a, b) => a.box.x - b.box.x);
  const box = unionBox(ordered);
  return {
    segments: ordered,
    box,
    height: median(ordered.map((s) => s.box.height)),
    centerY: median(ordered.map((s) => s.box.y + s.box.height / 2)),
  };
}

/** One fragment per recognised line; a line without segments counts as one segment. */
export function fragmentsOfLines(lines: readonly RecognizedLine[]): LineFragment[] {
  return lines
    .filter((line) => line.text.trim() !== "")
    .map((line) => {
      const segments = line.segments?.filter((s) => s.text.trim() !== "") ?? [];
      return fragmentOf(
        segments.length > 0 ? segments : [{ text: line.text, confidence: line.confidence, box: line.box }],
      );
    });
}

export function fragmentText(fragment: LineFragment): string {
  return fragment.segments.map((s) => s.text.trim()).join(" ");
}

export function fragmentConfidence(fragment: LineFragment): number {
  return fragment.segments.reduce((sum, s) => sum + s.confidence, 0) / fragment.segments.length;
}

/** Top to bottom, then left to right. */
export function byReadingPosition(a: LineFragment, b: LineFragment): number {
  return a.centerY - b.centerY || a.box.x - b.box.x;
}
