export type TableConversion = { markdown: string } | { keptHtml: string; reason: string };

const ROW = /<tr\b[^>]*>([\s\S]*?)(?=<tr\b|<\/tbody>|<\/thead>|<\/table>|$)/gi;
const CELL = /<(t[hd])\b([^>]*)>([\s\S]*?)(?:<\/t[hd]>|(?=<t[hd]\b)|$)/gi;
const SPAN = /\b(?:rowspan|colspan)\s*=\s*["']?\s*(\d+)/gi;

/**
 * Converts one HTML `<table>` to a GitHub pipe table. Tables Markdown cannot express (merged cells with
 * rowspan/colspan > 1, nested tables, no rows) are returned unchanged with the reason.
 */
export function htmlTableToMarkdown(html: string): TableConversion {
  const inner = html.replace(/^\s*<table\b[^>]*>/i, "").replace(/<\/table>\s*$/i, "");
  if (/<table\b/i.test(inner)) return { keptHtml: html, reason: "nested table" };
  const caption = /<caption\b[^>]*>([\s\S]*?)<\/caption>/i.exec(inner);
  const rows: string[][] = [];
  for (const rowMatch of inner.matchAll(ROW)) {
    const cells: string[] = [];
    for (const cell of (rowMatch[1] ?? "").matchAll(CELL)) {
      for (const span of (cell[2] ?? "").matchAll(SPAN)) {
        if (Number(span[1]) > 1) return { keptHtml: html, reason: "merged cells (rowspan/colspan)" };
      }
      cells.push(cellText(cell[3] ?? ""));
    }
    if (cells.length > 0) rows.push(cells);
  }
  if (rows.length === 0) return { keptHtml: html, reason: "no rows" };
  const width = Math.max(...rows.map((row) => row.length));
  const padded = rows.map((row) => [...row, ...Array<string>(width - row.length).fill("")]);
  // GFM needs a header row; without <th> the first row serves as one, which is how such tables render anyway.
  const [header, ...body] = padded;
  const lines = [pipeRow(header ?? []), pipeRow(Array<string>(width).fill("---")), ...body.map(pipeRow)];
  const title = caption != null ? `${cellText(caption[1] ?? "")}\n\n` : "";
  return { markdown: title + lines.join("\n") };
}

function cellText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "<br>")
    .replace(/<(?!br>)[^>]+>/gi, "")
    .replace(/\s*\n\s*/g, " ")
    .replace(/\|/g, "\\|")
    .trim();
}

function pipeRow(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}
