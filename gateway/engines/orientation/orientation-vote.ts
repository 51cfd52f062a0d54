import type { PageRotation } from "../../images/page-rotation.ts";
import type { TextRegion } from "./text-regions.ts";

/** A region counts as a line (or a column) when its long side is at least this many times its short side. */
const LINE_ASPECT = 2;
/** Fewer lines than this is too little text to judge: the page is left as it is. */
export const MIN_LINES = 3;
/** Lines sent to the direction classifier, longest first (more only costs time). */
const MAX_CLASSIFIED_LINES = 24;
/** Turning an upright-looking page over needs this mean vote (−1…1) for 180°: a wrong flip costs more than none. */
const UPSIDE_DOWN_MARGIN = 0.3;

/** How the page's text runs, from the shape of its regions. */
export interface PageLayout {
  /** Lines run top to bottom (or bottom to top): the page lies on its side. */
  sideways: boolean;
  /** The regions to classify 0° vs 180°, in the page's own (detector) coordinates. */
  lines: TextRegion[];
}

/**
 * Tells a page lying on its side from an upright (or upside-down) one: text lines are much longer than they
 * are high, so on a page turned by 90° most elongated regions are tall. Each region weighs its length, so a
 * few tall rules or stamps do not outvote the body text. Returns `undefined` when there are fewer than
 * `MIN_LINES` elongated regions (a blank page, a photo, a few isolated words).
 */
export function pageLayout(regions: readonly TextRegion[]): PageLayout | undefined {
  const wide: TextRegion[] = [];
  const tall: TextRegion[] = [];
  for (const region of regions) {
    const width = region.x2 - region.x1;
    const height = region.y2 - region.y1;
    if (width >= LINE_ASPECT * height) wide.push(region);
    else if (height >= LINE_ASPECT * width) tall.push(region);
  }
  const length = (list: TextRegion[], side: "width" | "height") =>
    list.reduce((sum, r) => sum + (side === "width" ? r.x2 - r.x1 : r.y2 - r.y1), 0);
  const sideways = length(tall, "height") > length(wide, "width");
  const lines = sideways ? tall : wide;
  if (lines.length < MIN_LINES) return undefined;
  const longSide = (r: TextRegion) => (sideways ? r.y2 - r.y1 : r.x2 - r.x1);
  return {
    sideways,
    lines: [...lines].sort((a, b) => longSide(b) - longSide(a)).slice(0, MAX_CLASSIFIED_LINES),
  };
}

/** The direction classifier's answer for one line: probabilities of upright and upside down. */
export interface LineDirection {
  upright: number;
  upsideDown: number;
}

/** The mean of `upsideDown − upright` over the lines: −1 all upright, +1 all upside down. */
export function meanVote(directions: readonly LineDirection[]): number {
  if (directions.length === 0) return 0;
  return directions.reduce((sum, d) => sum + d.upsideDown - d.upright, 0) / directions.length;
}

/**
 * The page's rotation from its layout and the lines' directions. A sideways page's lines were classified
 * after a 90° clockwise turn, so upright lines mean 90 and upside-down ones 270 (one of the two it must
 * be). A page whose lines already run across flips to 180 only on a clear majority.
 */
export function decideRotation(sideways: boolean, directions: readonly LineDirection[]): PageRotation {
  const vote = meanVote(directions);
  if (sideways) return vote > 0 ? 270 : 90;
  return vote > UPSIDE_DOWN_MARGIN ? 180 : 0;
}
