import { escapeHtml } from "./html-escape.js";
import { sanitizeTableHtml } from "./html-table-sanitizer.js";

const FENCE = /^\s*(`{3,}|~{3,})/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const TABLE_OPEN = /<table\b/i;
const TABLE_CLOSE = /<\/table\s*>/i;

/**
 * Inline Markdown on one line: code spans, bold, italic, links (http/https only) and images (shown as their
 * alt text; the page never loads a URL the model wrote). Everything is escaped first.
 * @param {string} text
 */
function renderInline(text) {
  return text
    .split(/(`[^`]+`)/)
    .map((part, index) => {
      if (index % 2 === 1) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        .replace(/!\[([^\]]*)\]\([^)]*\)/g, '<span class="image-ref">[image: $1]</span>')
        .replace(
          /\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)/g,
          '<a href="$2" rel="noopener noreferrer" target="_blank">$1</a>',
        )
        .replace(/\*\*(?=\S)(.+?)\*\*/g, "<strong>$1</strong>")
        .replace(/(^|[^*])\*(?=\S)([^*]+?)\*(?!\*)/g, "$1<em>$2</em>");
    })
    .join("");
}

/** @param {string} line */
function tableCells(line) {
  return line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, "|"));
}

/**
 * @param {string[]} lines the header, the separator and the body rows
 */
function renderPipeTable(lines) {
  const [header = "", separator = "", ...rows] = lines;
  const alignments = tableCells(separator).map((cell) =>
    cell.startsWith(":") && cell.endsWith(":") ? "center" : cell.endsWith(":") ? "right" : "",
  );
  /** @param {string} tag @param {string} cell @param {number} index */
  const cell = (tag, cell, index) => {
    const align = alignments[index] ? ` class="align-${alignments[index]}"` : "";
    return `<${tag}${align}>${renderInline(cell)}</${tag}>`;
  };
  const head = tableCells(header)
    .map((text, index) => cell("th", text, index))
    .join("");
  const body = rows
    .map(
      (row) =>
        `<tr>${tableCells(row)
          .map((text, index) => cell("td", text, index))
          .join("")}</tr>`,
    )
    .join("");
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * @typedef {{ indent: number, ordered: boolean, lines: string[] }} ListItem
 */

/**
 * Renders the list starting at `items[start]` and its deeper-indented sub-lists.
 * @param {ListItem[]} items
 * @param {number} start
 * @returns {{ html: string, next: number }}
 */
function renderListFrom(items, start) {
  const first = items[start];
  if (first == null) return { html: "", next: start };
  const tag = first.ordered ? "ol" : "ul";
  let html = `<${tag}>`;
  let index = start;
  let itemOpen = false;
  while (index < items.length) {
    const item = items[index];
    if (item == null || item.indent < first.indent) break;
    if (item.indent > first.indent) {
      const nested = renderListFrom(items, index);
      html += nested.html;
      index = nested.next;
      continue;
    }
    if (item.ordered !== first.ordered) break;
    if (itemOpen) html += "</li>";
    html += `<li>${item.lines.map(renderInline).join("<br>")}`;
    itemOpen = true;
    index++;
  }
  if (itemOpen) html += "</li>";
  return { html: `${html}</${tag}>`, next: index };
}

/**
 * @param {string[]} lines consecutive list lines (items and their indented continuation lines)
 */
function renderList(lines) {
  /** @type {ListItem[]} */
  const items = [];
  for (const line of lines) {
    const match = LIST_ITEM.exec(line);
    if (match) {
      const ordered = /\d/.test(match[2] ?? "");
      items.push({ indent: (match[1] ?? "").length, ordered, lines: [match[3] ?? ""] });
    } else items.at(-1)?.lines.push(line.trim());
  }
  let html = "";
  for (let index = 0; index < items.length; ) {
    const list = renderListFrom(items, index);
    html += list.html;
    index = list.next;
  }
  return html;
}

/**
 * Renders the Markdown a model writes (headings, paragraphs, lists, block quotes, fenced code, `$$` math
 * as text, pipe tables, and HTML `<table>`s through {@link sanitizeTableHtml}) to an HTML string that is safe
 * to assign to `innerHTML`: every character of the input is escaped except the table structure the
 * sanitizer rebuilds. Headings start at `<h3>` (the page owns h1–h2). Line breaks inside a paragraph are
 * kept, since OCR text is line-oriented.
 * @param {string} markdown
 * @returns {string}
 */
export function renderMarkdown(markdown) {
  const lines = markdown.replace(/\r\n?/g, "\n").split("\n");
  /** @type {string[]} */
  const html = [];
  /** @type {string[]} */
  let paragraph = [];
  const flushParagraph = () => {
    if (paragraph.length > 0) html.push(`<p>${paragraph.map(renderInline).join("<br>")}</p>`);
    paragraph = [];
  };

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const fence = FENCE.exec(line);
    if (fence) {
      flushParagraph();
      const marker = fence[1] ?? "```";
      const code = [];
      while (++index < lines.length && !(lines[index] ?? "").trim().startsWith(marker))
        code.push(lines[index]);
      html.push(`<pre><code>${escapeHtml(code.join("\n"))}</code></pre>`);
      continue;
    }
    const tableStart = TABLE_OPEN.exec(line);
    if (tableStart) {
      if (line.slice(0, tableStart.index).trim() !== "") paragraph.push(line.slice(0, tableStart.index));
      flushParagraph();
      let chunk = line.slice(tableStart.index);
      while (!TABLE_CLOSE.test(chunk) && index + 1 < lines.length) chunk += `\n${lines[++index]}`;
      const close = TABLE_CLOSE.exec(chunk);
      const end = close ? close.index + close[0].length : chunk.length;
      html.push(`<div class="table-scroll">${sanitizeTableHtml(chunk.slice(0, end))}</div>`);
      const rest = chunk.slice(end);
      if (rest.trim() !== "") lines.splice(index + 1, 0, rest.trimStart());
      continue;
    }
    if (line.trim() === "") {
      flushParagraph();
      continue;
    }
    if (/^\s*\$\$/.test(line)) {
      flushParagraph();
      const math = [line];
      const closedOnSameLine = /^\s*\$\$.+\$\$/.test(line);
      while (!closedOnSameLine && index + 1 < lines.length) {
        const next = lines[++index] ?? "";
        math.push(next);
        if (next.includes("$$")) break;
      }
      html.push(`<pre class="math">${escapeHtml(math.join("\n"))}</pre>`);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flushParagraph();
      const level = Math.min((heading[1] ?? "#").length + 2, 6);
      html.push(`<h${level}>${renderInline(heading[2] ?? "")}</h${level}>`);
      continue;
    }
    if (RULE.test(line) && paragraph.length === 0) {
      html.push("<hr>");
      continue;
    }
    if (
      line.includes("|") &&
      TABLE_SEPARATOR.test(lines[index + 1] ?? "") &&
      lines[index + 1]?.includes("-")
    ) {
      flushParagraph();
      const table = [line, lines[++index] ?? ""];
      while (index + 1 < lines.length && (lines[index + 1] ?? "").includes("|"))
        table.push(lines[++index] ?? "");
      html.push(`<div class="table-scroll">${renderPipeTable(table)}</div>`);
      continue;
    }
    if (LIST_ITEM.test(line)) {
      flushParagraph();
      const list = [line];
      while (index + 1 < lines.length && /^(\s*([-*+]|\d{1,9}[.)])\s+|\s{2,}\S)/.test(lines[index + 1] ?? ""))
        list.push(lines[++index] ?? "");
      html.push(renderList(list));
      continue;
    }
    if (line.startsWith(">")) {
      flushParagraph();
      const quote = [line];
      while (index + 1 < lines.length && (lines[index + 1] ?? "").startsWith(">"))
        quote.push(lines[++index] ?? "");
      html.push(
        `<blockquote>${renderMarkdown(quote.map((text) => text.replace(/^>\s?/, "")).join("\n"))}</blockquote>`,
      );
      continue;
    }
    paragraph.push(line);
  }
  flushParagraph();
  return html.join("\n");
}
