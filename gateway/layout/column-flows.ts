import type { RecognizedSegment } from "../engines/ocr-engine.ts";
import { byReadingPosition, fragmentOf, type LineFragment, median, right } from "./line-fragments.ts";

/** A column has at least this many lines on each side of its gutter. */
const MIN_LINES_PER_COLUMN = 3;
/** Each column is at least this share of the text's width (a receipt's amounts are not a column). */
const MIN_COLUMN_SHARE = 0.25;
/** A column's lines fill most of its width: the median line is at least this share of it. */
const MIN_COLUMN_FILL = 0.6;
/** Lines across the gutter (titles, full-width paragraphs, footers) may be at most this share of all lines. */
const MAX_CROSSING_SHARE = 0.2;
/** A gutter is at least this many text heights wide. */
const MIN_GUTTER_HEIGHTS = 0.5;
/**
 * Prose lines are one box each (word spaces are narrow); table rows are cells with wide gaps. At least this
 * share of each column's lines has no gap inside as wide as half the gutter.
 */
const MIN_SOLID_SHARE = 0.75;

interface Gutter {
  left: number;
  right: number;
}

type Side = "left" | "right" | "crossing";

function sideOf(segment: RecognizedSegment, gutter: Gutter): Side {
  if (right(segment.box) <= gutter.left) return "left";
  if (segment.box.x >= gutter.right) return "right";
  return "crossing";
}

interface Split {
  crossing: LineFragment[];
  left: LineFragment[];
  right: LineFragment[];
}

function split(fragments: readonly LineFragment[], gutter: Gutter): Split {
  const result: Split = { crossing: [], left: [], right: [] };
  for (const fragment of fragments) {
    const sides = fragment.segments.map((segment) => sideOf(segment, gutter));
    if (sides.includes("crossing")) {
      result.crossing.push(fragment);
      continue;
    }
    const left = fragment.segments.filter((_, index) => sides[index] === "left");
    const rightSegments = fragment.segments.filter((_, index) => sides[index] === "right");
    if (left.length > 0) result.left.push(fragmentOf(left));
    if (rightSegments.length > 0) result.right.push(fragmentOf(rightSegments));
  }
  return result;
}

/** The widest gap inside a line, not counting gaps that hold another gutter (columns, not table cells). */
function widestInnerGap(fragment: LineFragment, gutters: readonly Gutter[]): number {
  let widest = 0;
  for (let index = 1; index < fragment.segments.length; index++) {
    const gapLeft = right((fragment.segments[index - 1] as RecognizedSegment).box);
    const gapRight = (fragment.segments[index] as RecognizedSegment).box.x;
    if (gutters.some((gutter) => gutter.left >= gapLeft && gutter.right <= gapRight)) continue;
    widest = Math.max(widest, gapRight - gapLeft);
  }
  return widest;
}

function isTextColumn(
  lines: readonly LineFragment[],
  width: number,
  gutterWidth: number,
  gutters: readonly Gutter[],
): boolean {
  if (lines.length < MIN_LINES_PER_COLUMN || width <= 0) return false;
  if (median(lines.map((line) => line.box.width)) < MIN_COLUMN_FILL * width) return false;
  const solid = lines.filter((line) => widestInnerGap(line, gutters) < gutterWidth / 2).length;
  return solid >= MIN_SOLID_SHARE * lines.length;
}

interface TextExtent {
  left: number;
  right: number;
  maxCrossing: number;
}

/**
 * Whether `gutter` separates two columns: few lines cross it, and the column on either side (up to the next
 * gutter, so that three columns pass and the cells of a four-column table do not) is a fair share of the
 * text's width and holds lines of prose that fill it.
 */
function isColumnGutter(
  fragments: readonly LineFragment[],
  gutter: Gutter,
  gutters: readonly Gutter[],
  extent: TextExtent,
): boolean {
  const { crossing, left, right: rightLines } = split(fragments, gutter);
  if (crossing.length > extent.maxCrossing) return false;
  const index = gutters.indexOf(gutter);
  const textWidth = extent.right - extent.left;
  const leftColumn = gutter.left - (gutters[index - 1]?.right ?? extent.left);
  const rightColumn = (gutters[index + 1]?.left ?? extent.right) - gutter.right;
  if (Math.min(leftColumn, rightColumn) < MIN_COLUMN_SHARE * textWidth) return false;
  const leftWidth = gutter.left - Math.min(...left.map((line) => line.box.x));
  const rightWidth = Math.max(...rightLines.map((line) => right(line.box))) - gutter.right;
  const gutterWidth = gutter.right - gutter.left;
  return (
    isTextColumn(left, leftWidth, gutterWidth, gutters) &&
    isTextColumn(rightLines, rightWidth, gutterWidth, gutters)
  );
}

/**
 * The vertical whitespace between two text columns: the widest x-range that at most a few lines cross (a
 * title above the columns may) with a column of prose on either side.
 */
function findGutter(fragments: readonly LineFragment[]): Gutter | undefined {
  const segments = fragments.flatMap((fragment) => fragment.segments);
  // Rows of side-by-side columns are one line each here: count their boxes.
  if (segments.length < 2 * MIN_LINES_PER_COLUMN) return undefined;
  const minX = Math.floor(Math.min(...segments.map((s) => s.box.x)));
  const maxX = Math.ceil(Math.max(...segments.map((s) => right(s.box))));
  const textWidth = maxX - minX;
  if (textWidth <= 0) return undefined;
  // Coverage of each pixel column by segments, from a difference array.
  const coverage = new Int32Array(textWidth + 1);
  for (const segment of segments) {
    coverage[Math.floor(segment.box.x) - minX] = (coverage[Math.floor(segment.box.x) - minX] ?? 0) + 1;
    const end = Math.ceil(right(segment.box)) - minX;
    coverage[end] = (coverage[end] ?? 0) - 1;
  }
  const maxCrossing = Math.floor(MAX_CROSSING_SHARE * fragments.length);
  const minWidth = Math.max(2, MIN_GUTTER_HEIGHTS * median(fragments.map((f) => f.height)));
  const covered = new Int32Array(textWidth);
  let covering = 0;
  for (let x = 0; x < textWidth; x++) {
    covering += coverage[x] ?? 0;
    covered[x] = covering;
  }
  const gutters = lowCoverageRuns(covered, maxCrossing, minWidth).map((run) => ({
    left: minX + run.left,
    right: minX + run.right,
  }));
  const extent = { left: minX, right: maxX, maxCrossing };
  const widestFirst = [...gutters].sort((a, b) => b.right - b.left - (a.right - a.left));
  return widestFirst.find((gutter) => isColumnGutter(fragments, gutter, gutters, extent));
}

/**
 * Inner x-ranges (text on both sides) where at most `maxCrossing` segments lie, each narrowed to its least
 * covered part: the ragged ends of the lines beside a gutter are covered by few lines, not by none.
 */
function lowCoverageRuns(covered: Int32Array, maxCrossing: number, minWidth: number): Gutter[] {
  const runs: Gutter[] = [];
  let start = -1;
  for (let x = 0; x <= covered.length; x++) {
    const low = x < covered.length && (covered[x] ?? 0) <= maxCrossing;
    if (low && start < 0) start = x;
    if (low || start < 0) continue;
    if (start > 0 && x < covered.length) {
      const least = Math.min(...covered.subarray(start, x));
      let best: Gutter | undefined;
      let from = -1;
      for (let inner = start; inner <= x; inner++) {
        const atLeast = inner < x && covered[inner] === least;
        if (atLeast && from < 0) from = inner;
        if (!atLeast && from >= 0) {
          if (best === undefined || inner - from > best.right - best.left)
            best = { left: from, right: inner };
          from = -1;
        }
      }
      if (best !== undefined && best.right - best.left >= minWidth) runs.push(best);
    }
    start = -1;
  }
  return runs;
}

/**
 * Splits a page's lines into flows in reading order: each column of a multi-column section top to bottom,
 * left column first, with lines that cross the gutter (a title, a full-width paragraph) as flows of their own
 * between sections. Columns are found recursively, so three columns work too. A page without a column gutter
 * is one flow, top to bottom.
 */
export function columnFlows(fragments: readonly LineFragment[]): LineFragment[][] {
  const ordered = [...fragments].sort(byReadingPosition);
  const gutter = findGutter(ordered);
  if (gutter === undefined) return ordered.length > 0 ? [ordered] : [];
  const flows: LineFragment[][] = [];
  let columns: LineFragment[] = [];
  let spanning: LineFragment[] = [];
  const flushColumns = () => {
    if (columns.length === 0) return;
    const { left, right: rightLines } = split(columns, gutter);
    flows.push(...columnFlows(left), ...columnFlows(rightLines));
    columns = [];
  };
  const flushSpanning = () => {
    if (spanning.length > 0) flows.push(spanning);
    spanning = [];
  };
  for (const fragment of ordered) {
    const crossing = fragment.segments.some((segment) => sideOf(segment, gutter) === "crossing");
    if (crossing) {
      flushColumns();
      spanning.push(fragment);
    } else {
      flushSpanning();
      columns.push(fragment);
    }
  }
  flushColumns();
  flushSpanning();
  return flows;
}
