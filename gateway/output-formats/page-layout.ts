import { type PageRotation, rotatedSize, toSentBox, toUprightPoint } from "../images/page-rotation.ts";
import type { PageBox, PageResult } from "../ocr/ocr-types.ts";

export interface LayoutBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface LayoutWord {
  text: string;
  box: LayoutBox;
  confidence?: number;
}

export interface LayoutLine {
  text: string;
  box: LayoutBox;
  confidence?: number;
  words: LayoutWord[];
}

export interface LayoutBlock {
  box: LayoutBox;
  lines: LayoutLine[];
}

/** A page as the archive formats describe it: blocks of lines of words, in pixels of the original page. */
export interface PageLayout {
  index: number;
  width: number;
  height: number;
  dpi: number;
  blocks: LayoutBlock[];
  /**
   * Degrees counter-clockwise the text runs at on the page: the page's `rotation` (the clockwise turn that made
   * it upright). Words are split along the text, whichever way it runs.
   */
  textAngle: PageRotation;
}

// Wide (CJK, full-width) characters take about twice the advance of a Latin letter.
const WIDE = /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;

function advance(text: string): number {
  let total = 0;
  for (const character of text) total += WIDE.test(character) ? 2 : 1;
  return total;
}

/**
 * Splits a line's box into word boxes in proportion to the words' estimated advance (spaces included), since
 * the backends report line boxes only. The positions are estimates; the text is the line's, never invented.
 */
export function estimateWordBoxes(line: PageBox): LayoutWord[] {
  const total = advance(line.text);
  if (total === 0) return [];
  const { x1, y1, x2, y2 } = line.box;
  const perUnit = (x2 - x1) / total;
  const words: LayoutWord[] = [];
  for (const match of line.text.matchAll(/\S+/gu)) {
    const start = advance(line.text.slice(0, match.index));
    const width = advance(match[0]);
    words.push({
      text: match[0],
      box: { x1: x1 + start * perUnit, y1, x2: x1 + (start + width) * perUnit, y2 },
      ...(line.confidence != null ? { confidence: line.confidence } : {}),
    });
  }
  return words;
}

function union(boxes: readonly LayoutBox[]): LayoutBox {
  return {
    x1: Math.min(...boxes.map((box) => box.x1)),
    y1: Math.min(...boxes.map((box) => box.y1)),
    x2: Math.max(...boxes.map((box) => box.x2)),
    y2: Math.max(...boxes.map((box) => box.y2)),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Groups lines (in reading order) into blocks: a new block starts where the vertical gap to the previous
 * line is larger than one median line height, or where the line does not overlap the block horizontally.
 */
function groupIntoBlocks(lines: LayoutLine[]): LayoutBlock[] {
  const lineHeight = median(lines.map((line) => line.box.y2 - line.box.y1));
  const blocks: LayoutLine[][] = [];
  for (const line of lines) {
    const current = blocks.at(-1);
    const previous = current?.at(-1);
    const extent = current ? union(current.map((member) => member.box)) : undefined;
    const joins =
      previous != null &&
      extent != null &&
      line.box.y1 - previous.box.y2 <= lineHeight &&
      line.box.x1 < extent.x2 &&
      line.box.x2 > extent.x1;
    if (joins && current) current.push(line);
    else blocks.push([line]);
  }
  return blocks.map((members) => ({ box: union(members.map((line) => line.box)), lines: members }));
}

/**
 * The layout of one answered page as it reads upright (the page turned by its `rotation`, with that frame's
 * size): lines split into words along the text and grouped into blocks. For a page read as sent it is
 * `pageLayout`'s. `toSent` maps its points back onto the page as sent.
 */
export function uprightPageLayout(page: PageResult): {
  layout: PageLayout;
  toSent: (box: LayoutBox) => LayoutBox;
} {
  const rotation = page.rotation ?? 0;
  const sent = page.dimensions;
  const upright = rotatedSize(sent, rotation);
  const toUpright = (box: LayoutBox): LayoutBox => {
    const [ax, ay] = toUprightPoint([box.x1, box.y1], rotation, sent);
    const [bx, by] = toUprightPoint([box.x2, box.y2], rotation, sent);
    return { x1: Math.min(ax, bx), y1: Math.min(ay, by), x2: Math.max(ax, bx), y2: Math.max(ay, by) };
  };
  const lines: LayoutLine[] = (page.boxes ?? [])
    .filter((box) => box.text.trim().length > 0 && box.box.x2 > box.box.x1 && box.box.y2 > box.box.y1)
    .map((box) => {
      const line = { ...box, box: toUpright(box.box) };
      return {
        text: box.text.trim(),
        box: line.box,
        ...(box.confidence != null ? { confidence: box.confidence } : {}),
        words: estimateWordBoxes(line),
      };
    });
  return {
    layout: {
      index: page.index,
      ...upright,
      dpi: sent.dpi,
      blocks: groupIntoBlocks(lines),
      textAngle: rotation,
    },
    toSent: (box) => toSentBox(box, rotation, upright),
  };
}

/**
 * The layout of one answered page: its spotted lines (empty without boxes), split into words and blocks, in
 * pixels of the page as sent (on a page read turned, the boxes of text running up or down the page).
 */
export function pageLayout(page: PageResult): PageLayout {
  const { layout, toSent } = uprightPageLayout(page);
  const { width, height } = page.dimensions;
  if (layout.textAngle === 0) return layout;
  const blocks = layout.blocks.map((block) => ({
    box: toSent(block.box),
    lines: block.lines.map((line) => ({
      ...line,
      box: toSent(line.box),
      words: line.words.map((word) => ({ ...word, box: toSent(word.box) })),
    })),
  }));
  return { ...layout, width, height, blocks };
}
