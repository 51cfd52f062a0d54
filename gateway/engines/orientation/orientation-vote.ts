import type { PageRotation } from "../../images/page-rotation.ts";
import type { TextRegion } from "../embedded/detect-text.ts";

/** A region counts as a line when its length is at least this many times its thickness. */
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
  /** The regions to classify 0° vs 180°, as the detector gave them. */
  lines: TextRegion[];
}

/**
 * Tells a page lying on its side from an upright (or upside-down) one: text lines are much longer than they
 * are thick, so on a page turned by 90° most lines run closer to vertical than to horizontal. Each line weighs
 * its length, so a few tall rules or stamps do not outvote the body text. Returns `undefined` when there are
 * fewer than `MIN_LINES` elongated regions (a blank page, a photo, a few isolated words).
 */
export function pageLayout(regions: readonly TextRegion[]): PageLayout | undefined {
  const across: TextRegion[] = [];
  const down: TextRegion[] = [];
  for (const region of regions) {
    if (region.length < LINE_ASPECT * region.thickness) continue;
    (Math.abs(region.axisY) > Math.abs(region.axisX) ? down : across).push(region);
  }
  const totalLength = (lines: TextRegion[]) => lines.reduce((sum, line) => sum + line.length, 0);
  const sideways = totalLength(down) > totalLength(across);
  const lines = sideways ? down : across;
  if (lines.length < MIN_LINES) return undefined;
  return {
    sideways,
    lines: [...lines].sort((a, b) => b.length - a.length).slice(0, MAX_CLASSIFIED_LINES),
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
