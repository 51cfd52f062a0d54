import type { PixelBox, RecognizedLine, RecognizedSegment } from "../engines/ocr-engine.ts";
import { columnFlows } from "./column-flows.ts";
import {
  fragmentConfidence,
  fragmentsOfLines,
  fragmentText,
  type LineFragment,
  median,
  right,
} from "./line-fragments.ts";

/** A line as laid out: its text, the engine's confidence (0–1) and its box, in reading order. */
export interface LaidOutLine {
  text: string;
  confidence: number;
  box: PixelBox;
}

export interface MarkdownLayout {
  markdown: string;
  /** Every line once, in the Markdown's reading order (columns split into their own lines). */
  lines: LaidOutLine[];
}

/**
 * Line pitch (centre to centre) above this multiple of the page's median pitch starts a paragraph. Pitch, not
 * the gap between boxes, so that detectors that pad their boxes give the same answer.
 */
const PARAGRAPH_PITCH_RATIO = 1.45;
/**
 * Box height over the page's median that makes a line a heading, largest first. Detector boxes grow slower
 * than the type: 30 pt over 12 pt text measured 1.86 with PP-OCR.
 */
const HEADING_LEVELS = [
  { ratio: 1.7, level: 1 },
  { ratio: 1.35, level: 2 },
] as const;
const MAX_HEADING_CHARS = 100;
/** A heading's characters are at least this much wider than the page's median. */
const HEADING_MIN_CHAR_RATIO = 1.2;
/** A gap between a line's boxes this many text heights wide separates table cells, not words. */
const CELL_GAP_HEIGHTS = 0.8;
/** Lines of a prose paragraph (all but its last) reach at least this share of its widest line. */
const PROSE_FILL = 0.7;
/** Prose lines hold at least this many characters (median); shorter lines keep their breaks. */
const PROSE_MIN_CHARS = 25;
/** Cells of aligned rows are at least this many spaces apart. */
const MIN_CELL_SPACES = 2;

type BlockKind = "heading" | "rows" | "text";

interface Block {
  kind: BlockKind;
  level: number;
  lines: LineFragment[];
}

interface PageMetrics {
  height: number;
  pitch: number;
  charWidth: number;
}

const WIDE_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += WIDE_CHAR.test(char) ? 2 : 1;
  return width;
}

function pageMetrics(flows: readonly LineFragment[][]): PageMetrics {
  const fragments = flows.flat();
  const height = median(fragments.map((fragment) => fragment.height)) || 1;
  const pitches = flows.flatMap((flow) =>
    flow.slice(1).map((fragment, index) => fragment.centerY - (flow[index] as LineFragment).centerY),
  );
  const pitch = median(pitches.filter((value) => value > 0)) || height * 1.2;
  const segments = fragments.flatMap((fragment) => fragment.segments);
  const charWidth =
    median(
      segments
        .filter((segment) => segment.text.trim() !== "")
        .map((segment) => segment.box.width / displayWidth(segment.text.trim())),
    ) || height / 2;
  return { height, pitch, charWidth };
}

function widestGap(fragment: LineFragment): number {
  let widest = 0;
  for (let index = 1; index < fragment.segments.length; index++) {
    const previous = fragment.segments[index - 1] as RecognizedSegment;
    widest = Math.max(widest, (fragment.segments[index] as RecognizedSegment).box.x - right(previous.box));
  }
  return widest;
}

function headingLevel(fragment: LineFragment, page: PageMetrics): number {
  const text = fragmentText(fragment);
  if (text.length > MAX_HEADING_CHARS || (text.match(/\p{L}/gu)?.length ?? 0) < 2) return 0;
  // Larger type is wider too; a box as tall but with body-sized characters holds two lines read as one.
  const charWidth = fragment.box.width / displayWidth(text);
  if (charWidth < HEADING_MIN_CHAR_RATIO * page.charWidth) return 0;
  const ratio = fragment.height / page.height;
  return HEADING_LEVELS.find((heading) => ratio >= heading.ratio)?.level ?? 0;
}

function kindOf(fragment: LineFragment, page: PageMetrics): { kind: BlockKind; level: number } {
  const level = headingLevel(fragment, page);
  if (level > 0) return { kind: "heading", level };
  const isRow = widestGap(fragment) >= CELL_GAP_HEIGHTS * fragment.height;
  return { kind: isRow ? "rows" : "text", level: 0 };
}

function startsParagraph(previous: LineFragment, next: LineFragment, page: PageMetrics): boolean {
  // Larger text has a larger pitch without any paragraph break.
  const scale = Math.max(1, Math.max(previous.height, next.height) / page.height);
  return next.centerY - previous.centerY > PARAGRAPH_PITCH_RATIO * page.pitch * scale;
}

function blocksOf(flow: readonly LineFragment[], page: PageMetrics): Block[] {
  const blocks: Block[] = [];
  let previous: LineFragment | undefined;
  for (const fragment of flow) {
    const { kind, level } = kindOf(fragment, page);
    const current = blocks.at(-1);
    const continues =
      current !== undefined &&
      previous !== undefined &&
      current.kind === kind &&
      current.level === level &&
      !startsParagraph(previous, fragment, page);
    if (continues) current.lines.push(fragment);
    else blocks.push({ kind, level, lines: [fragment] });
    previous = fragment;
  }
  return blocks;
}

/** Keeps OCR text from turning into Markdown syntax it never was: `#` headings, `---` rules, `> ` quotes. */
function escapeLine(text: string): string {
  if (/^[-=_*~\s]+$/.test(text) || /^[#>]/.test(text)) return `\\${text}`;
  return text;
}

function joinProse(lines: readonly string[]): string {
  let joined = "";
  for (const line of lines) {
    if (joined === "") joined = line;
    else if (/\p{L}-$/u.test(joined) && /^\p{Ll}/u.test(line)) joined = joined.slice(0, -1) + line;
    else if (WIDE_CHAR.test(joined.at(-1) ?? "") && WIDE_CHAR.test(line[0] ?? "")) joined += line;
    else joined += ` ${line}`;
  }
  return joined;
}

function isProse(lines: readonly LineFragment[]): boolean {
  if (lines.length < 2) return false;
  const widest = Math.max(...lines.map((line) => line.box.width));
  const filled = lines.slice(0, -1).every((line) => line.box.width >= PROSE_FILL * widest);
  return filled && median(lines.map((line) => fragmentText(line).length)) >= PROSE_MIN_CHARS;
}

/** Table-like rows as text with their cells at the columns their boxes start at. */
function alignedRows(lines: readonly LineFragment[], page: PageMetrics): string[] {
  const left = Math.min(...lines.map((line) => line.box.x));
  return lines.map((line, row) => {
    let text = "";
    for (const segment of line.segments) {
      const target = Math.round((segment.box.x - left) / page.charWidth);
      const used = displayWidth(text);
      // The first row leads its block: four spaces there would make it a Markdown code block.
      const spaces =
        text === "" ? (row === 0 ? Math.min(target, 3) : target) : Math.max(MIN_CELL_SPACES, target - used);
      text += " ".repeat(spaces) + segment.text.trim();
    }
    return row === 0 ? escapeLine(text) : text;
  });
}

function renderBlock(block: Block, page: PageMetrics): string {
  const texts = block.lines.map(fragmentText);
  switch (block.kind) {
    case "heading":
      return `${"#".repeat(block.level)} ${texts.join(" ")}`;
    case "rows":
      return alignedRows(block.lines, page).join("\n");
    default:
      return isProse(block.lines) ? escapeLine(joinProse(texts)) : texts.map(escapeLine).join("\n");
  }
}

/**
 * Markdown of a page from its recognised lines and their boxes, with no model: columns found by the
 * whitespace gutter between them and read one after the other (`columnFlows`), paragraphs split where the
 * line pitch jumps, lines much taller than the page's median text as headings (`#`, `##`), and runs of lines
 * whose boxes are cells with wide gaps between them kept as aligned text rows (tables are not rebuilt).
 * Prose paragraphs are joined into one line (hyphenated breaks undone); other blocks keep their line breaks.
 */
export function markdownFromLines(lines: readonly RecognizedLine[]): MarkdownLayout {
  const flows = columnFlows(fragmentsOfLines(lines));
  const page = pageMetrics(flows);
  const markdown = flows
    .flatMap((flow) => blocksOf(flow, page))
    .map((block) => renderBlock(block, page))
    .join("\n\n");
  const laidOut = flows.flat().map((fragment) => ({
    text: fragmentText(fragment),
    confidence: fragmentConfidence(fragment),
    box: fragment.box,
  }));
  return { markdown, lines: laidOut };
}
