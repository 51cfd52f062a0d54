import { escapeHtml } from "./html-escape.js";

const TABLE_TAGS = new Set([
  "table",
  "caption",
  "colgroup",
  "col",
  "thead",
  "tbody",
  "tfoot",
  "tr",
  "th",
  "td",
]);
const VOID_TAGS = new Set(["col", "br"]);
const SPAN_ATTRIBUTE = /\b(colspan|rowspan)\s*=\s*["']?(\d{1,4})/gi;
const TAG = /<!--[\s\S]*?-->|<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
const DROPPED_WITH_CONTENT = /<(script|style|template|textarea|iframe|noscript)\b[\s\S]*?<\/\1\s*>/gi;

/** @param {string} attributes */
function spanAttributes(attributes) {
  let kept = "";
  for (const match of attributes.matchAll(SPAN_ATTRIBUTE)) {
    const value = Number(match[2]);
    if (value >= 1 && value <= 1000) kept += ` ${String(match[1]).toLowerCase()}="${value}"`;
  }
  return kept;
}

/**
 * Rebuilds model HTML keeping only table structure: table tags (with `colspan`/`rowspan` only) and `<br>`.
 * Every other tag is dropped (script/style with their content), all text is escaped, and open tags are
 * closed in order, so the result is well-formed and carries no attribute or element the model chose.
 * @param {string} html
 * @returns {string}
 */
export function sanitizeTableHtml(html) {
  const source = html.replace(DROPPED_WITH_CONTENT, "");
  /** @type {string[]} */
  const open = [];
  let output = "";
  let last = 0;
  for (const match of source.matchAll(TAG)) {
    output += escapeHtml(source.slice(last, match.index));
    last = match.index + match[0].length;
    const name = (match[2] ?? "").toLowerCase();
    const closing = match[1] === "/";
    if (name === "br") {
      if (!closing) output += "<br>";
      continue;
    }
    if (!TABLE_TAGS.has(name)) continue;
    if (!closing) {
      output += `<${name}${name === "td" || name === "th" || name === "col" ? spanAttributes(match[3] ?? "") : ""}>`;
      if (!VOID_TAGS.has(name)) open.push(name);
      continue;
    }
    const position = open.lastIndexOf(name);
    if (position === -1) continue;
    while (open.length > position) output += `</${open.pop()}>`;
  }
  output += escapeHtml(source.slice(last));
  while (open.length > 0) output += `</${open.pop()}>`;
  return output;
}
