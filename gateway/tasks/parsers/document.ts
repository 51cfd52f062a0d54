import { htmlTableToMarkdown } from "./html-table-to-markdown.ts";
import { normaliseLineEndings, unwrapWholeFence } from "./output-text.ts";
import { mapSpecialTokens } from "./special-tokens.ts";
import type { NormalisedBox } from "./spotting.ts";

export interface DocumentFigure {
  /** Text the model attached to the figure region (may be empty). */
  caption: string;
  /** Region in 0–1000 normalised coordinates. */
  box: NormalisedBox;
}

export interface DocumentResult {
  markdown: string;
  figures: DocumentFigure[];
  /** Tables in the output (HTML or Markdown pipe tables). */
  tables: number;
  warnings: string[];
}

export interface DocumentParseOptions {
  tableFormat?: "html" | "markdown";
  /** Markdown put where a figure was (e.g. an image link); by default figures leave only their caption. */
  figureMarkdown?: (figure: DocumentFigure, index: number) => string;
}

// Code, HTML tables and maths are never edited: coordinates inside them are content (`\{(2,4),(3,3)\}`).
// Protected parts and tagged figures are swapped for private-use-area tokens (U+E000/U+E001) meanwhile.
const PROTECTED =
  /```[\s\S]*?(?:```|$)|<table\b[\s\S]*?(?:<\/table>|$)|\$\$[\s\S]*?\$\$|\\\[[\s\S]*?\\\]|\\\([\s\S]*?\\\)|\$[^$\n]+\$/gi;
const MASK = /\uE000(\d+)\uE000/g;
const PAIR = String.raw`\(\s*(\d{1,4})\s*,\s*(\d{1,4})\s*\)\s*,\s*\(\s*(\d{1,4})\s*,\s*(\d{1,4})\s*\)`;
const PAIR_GLOBAL = new RegExp(PAIR, "g");
const TRAILING_PAIRS = new RegExp(String.raw`(?:[ \t,，]*${PAIR})+[ \t]*$`);
const TAGGED_FIGURE = /<pFig>([\s\S]*?)<\/pFig>[ \t]*(?:<quad>([^<]*)<\/quad>)?/g;
const PIPE_DELIMITER_ROW = /^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+\|?[ \t]*$/gm;

/**
 * Cleans document (Markdown) output: figure regions — `<pFig>caption</pFig><quad>(x1,y1),(x2,y2)</quad>`, or
 * with tags skipped, coordinate pairs ending a line (or forming it) — are removed from the Markdown and
 * reported in `figures`, never inside tables, code or maths. With `tableFormat: "markdown"`, simple HTML
 * tables become pipe tables; tables with merged cells stay HTML and add a warning. Never throws.
 */
export function parseDocumentOutput(output: string, options: DocumentParseOptions = {}): DocumentResult {
  const protectedParts: string[] = [];
  const source = unwrapWholeFence(normaliseLineEndings(mapSpecialTokens(output))).text;
  let text = source.replace(PROTECTED, (part) => `\uE000${protectedParts.push(part) - 1}\uE000`);
  const figures: DocumentFigure[] = [];
  const place = (figure: DocumentFigure): string => {
    figures.push(figure);
    const marker = options.figureMarkdown?.(figure, figures.length - 1) ?? "";
    return [marker, figure.caption].filter((part) => part !== "").join("\n\n");
  };

  // Tagged figures become tokens first so that all figures are numbered in document order below.
  const tagged: DocumentFigure[] = [];
  text = text.replace(TAGGED_FIGURE, (_whole, caption: string, quad: string | undefined) => {
    const box = quad != null ? firstBox(quad) : undefined;
    return box == null ? caption.trim() : `\uE001${tagged.push({ caption: caption.trim(), box }) - 1}\uE001`;
  });
  text = text
    .replace(/<\/?quad>/g, "")
    .split("\n")
    .flatMap((line) => {
      const withFigures = line.replace(/\uE001(\d+)\uE001/g, (_token, index: string) => {
        const figure = tagged[Number(index)];
        return figure == null ? "" : place(figure);
      });
      return stripTrailingCoordinates(withFigures, place);
    })
    .join("\n")
    .replace(/<\/?(?:ref|pFig)>/g, "");

  const warnings: string[] = [];
  let tables = [...text.matchAll(PIPE_DELIMITER_ROW)].length;
  let htmlTables = 0;
  text = text.replace(MASK, (whole, index: string, offset: number, masked: string) => {
    const part = protectedParts[Number(index)] ?? "";
    if (!/^<table\b/i.test(part)) return part;
    tables++;
    htmlTables++;
    if (options.tableFormat !== "markdown") return part;
    const converted = htmlTableToMarkdown(part);
    if ("keptHtml" in converted) {
      warnings.push(`HTML table ${htmlTables} kept as HTML: ${converted.reason}`);
      return part;
    }
    return (
      blankLineBefore(masked, offset) + converted.markdown + blankLineAfter(masked, offset + whole.length)
    );
  });
  return { markdown: text.trim(), figures, tables, warnings };
}

/** Strips coordinate pairs ending `line`; a line of only coordinates disappears. */
function stripTrailingCoordinates(line: string, place: (figure: DocumentFigure) => string): string[] {
  const trailing = TRAILING_PAIRS.exec(line);
  if (trailing == null) return [line];
  const caption = line.slice(0, trailing.index).trim();
  const boxes = [...trailing[0].matchAll(PAIR_GLOBAL)].map(toBox);
  const placed = boxes.map((box, index) => place({ caption: index === 0 ? caption : "", box }));
  const kept = placed.filter((part) => part !== "").join("\n\n");
  const indent = /^[ \t]*/.exec(line)?.[0] ?? "";
  return kept === "" ? [] : [indent + kept];
}

function firstBox(coordinates: string): NormalisedBox | undefined {
  const match = new RegExp(PAIR).exec(coordinates);
  return match == null ? undefined : toBox(match);
}

function toBox(match: RegExpMatchArray): NormalisedBox {
  const [x1, y1, x2, y2] = match.slice(1, 5).map((value) => Math.min(1000, Number(value))) as [
    number,
    number,
    number,
    number,
  ];
  return { x1: Math.min(x1, x2), y1: Math.min(y1, y2), x2: Math.max(x1, x2), y2: Math.max(y1, y2) };
}

function blankLineBefore(text: string, offset: number): string {
  if (offset === 0) return "";
  return text.slice(Math.max(0, offset - 2), offset).endsWith("\n\n")
    ? ""
    : text[offset - 1] === "\n"
      ? "\n"
      : "\n\n";
}

function blankLineAfter(text: string, offset: number): string {
  if (offset >= text.length) return "";
  return text.startsWith("\n\n", offset) ? "" : text[offset] === "\n" ? "\n" : "\n\n";
}
