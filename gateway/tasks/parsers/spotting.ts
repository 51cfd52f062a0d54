import { findBalanced, firstFencedBlock } from "./json-extract.ts";
import { mapSpecialTokens, stripLayoutTags } from "./special-tokens.ts";

/** A box in the model's coordinates: integers normalised to 0–1000 of the image's width and height. */
export interface NormalisedBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface SpottingItem {
  text: string;
  box: NormalisedBox;
  /** The four corners when the model gave a quadrilateral instead of two points (0–1000). */
  quad?: [number, number][];
}

export interface SpottingResult {
  items: SpottingItem[];
  /** The model said there is no text (`没有文字`, `无文字`). */
  noText: boolean;
  /** What could not be used, e.g. text after the last box; empty when the output parsed cleanly. */
  warnings: string[];
}

const NO_TEXT = /没有文字|无文字|no text/i;
const POINT = String.raw`\(\s*(\d{1,5})\s*,\s*(\d{1,5})\s*\)`;
const SEPARATOR = String.raw`[ \t]*,?[ \t]*`;
const COMMA = String.raw`[ \t]*,[ \t]*`;
// Two points (top-left, bottom-right), optionally four comma-joined (a quadrilateral); `(…),(…)(…),(…)` is two boxes.
const COORDINATES = new RegExp(`${POINT}${SEPARATOR}${POINT}(?:${COMMA}${POINT}${COMMA}${POINT})?`, "g");
const TAGGED = /<ref>([\s\S]*?)<\/ref>\s*<quad>([\s\S]*?)<\/quad>/g;

/**
 * Parses spotting output in any of its forms: tagged `<ref>T</ref><quad>(x1,y1),(x2,y2)</quad>`, placeholder
 * tokens (mapped to tags), the bare form left when vLLM skips special tokens (`T(x1,y1),(x2,y2)T2(…)…`,
 * anchored on each coordinate group; text may contain parentheses), 4-point quads, and the 1.5 JSON form
 * `[{"box":[xmin,ymin,xmax,ymax],"text":…}]`. Never throws: unusable parts become `warnings`.
 */
export function parseSpottingOutput(output: string): SpottingResult {
  const text = mapSpecialTokens(output).trim();
  const json = parseJsonForm(text);
  if (json != null) return json;
  const warnings: string[] = [];
  const items =
    text.includes("<ref>") && text.includes("<quad>")
      ? parseTagged(text, warnings)
      : parseBare(text, warnings);
  const noText = items.length === 0 && NO_TEXT.test(text);
  if (items.length === 0 && !noText && text !== "") warnings.push("no coordinates found in the model output");
  return { items, noText, warnings: noText ? [] : warnings };
}

function parseTagged(text: string, warnings: string[]): SpottingItem[] {
  const items: SpottingItem[] = [];
  let last = 0;
  for (const match of text.matchAll(TAGGED)) {
    const gap = stripLayoutTags(text.slice(last, match.index)).trim();
    if (gap !== "") warnings.push(`text without a box: ${truncate(gap)}`);
    last = match.index + match[0].length;
    const numbers = [...(match[2] ?? "").matchAll(/\d+/g)].map((number) => Number(number[0]));
    const item = toItem((match[1] ?? "").trim(), numbers, warnings);
    if (item != null) items.push(item);
  }
  // Tags can be missing for some lines (e.g. a truncated answer): parse the rest in the bare form.
  const rest = text.slice(last);
  return rest.trim() === "" ? items : [...items, ...parseBare(stripLayoutTags(rest), warnings)];
}

function parseBare(input: string, warnings: string[]): SpottingItem[] {
  const text = stripLayoutTags(input);
  const items: SpottingItem[] = [];
  let last = 0;
  for (const match of text.matchAll(COORDINATES)) {
    const label = text.slice(last, match.index).trim();
    last = match.index + match[0].length;
    const numbers = match
      .slice(1)
      .filter((group) => group != null)
      .map(Number);
    const item = toItem(label, numbers, warnings);
    if (item != null) items.push(item);
  }
  const tail = text.slice(last).trim();
  if (tail !== "" && items.length > 0) warnings.push(`text without a box: ${truncate(tail)}`);
  return items;
}

function toItem(text: string, numbers: readonly number[], warnings: string[]): SpottingItem | undefined {
  if (text === "") {
    warnings.push("a box without text was dropped");
    return undefined;
  }
  if (numbers.length !== 4 && numbers.length !== 8) {
    warnings.push(`unreadable coordinates for: ${truncate(text)}`);
    return undefined;
  }
  if (numbers.some((value) => value > 1000))
    warnings.push(`coordinates above 1000 clamped for: ${truncate(text)}`);
  const clamped = numbers.map((value) => Math.min(1000, Math.max(0, value)));
  const xs = clamped.filter((_, index) => index % 2 === 0);
  const ys = clamped.filter((_, index) => index % 2 === 1);
  const box = { x1: Math.min(...xs), y1: Math.min(...ys), x2: Math.max(...xs), y2: Math.max(...ys) };
  if (numbers.length === 4) return { text, box };
  const quad = xs.map((x, index): [number, number] => [x, ys[index] ?? 0]);
  return { text, box, quad };
}

function parseJsonForm(text: string): SpottingResult | undefined {
  const body = firstFencedBlock(text) ?? text;
  if (!body.trimStart().startsWith("[")) return undefined;
  const warnings: string[] = [];
  let entries: unknown[] | undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (Array.isArray(parsed)) entries = parsed;
  } catch {
    // A truncated array (max_tokens) still holds complete objects: salvage them one by one.
    entries = [];
    for (let span = findBalanced(body, "{"); span != null; span = findBalanced(body, "{", span.end)) {
      try {
        entries.push(JSON.parse(body.slice(span.start, span.end)));
      } catch {
        warnings.push(`unreadable entry: ${truncate(body.slice(span.start, span.end))}`);
      }
    }
    if (entries.length === 0) return undefined;
    warnings.push("the JSON array was incomplete; complete entries were kept");
  }
  if (entries == null) return undefined;
  const items: SpottingItem[] = [];
  for (const entry of entries) {
    const { box, text } = (entry ?? {}) as { box?: unknown; text?: unknown };
    const numbers = Array.isArray(box) ? box.map(Number) : [];
    if (typeof text !== "string" || numbers.some((value) => !Number.isFinite(value))) {
      warnings.push(`unreadable entry: ${truncate(JSON.stringify(entry))}`);
      continue;
    }
    const item = toItem(text.trim(), numbers.map(Math.round), warnings);
    if (item != null) items.push(item);
  }
  return { items, noText: false, warnings };
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
