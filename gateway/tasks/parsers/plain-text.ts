import { parseDocumentOutput } from "./document.ts";
import { normaliseLineEndings, unwrapWholeFence } from "./output-text.ts";

export interface TextResult {
  text: string;
  warnings: string[];
}

/** Plain text: line endings normalised, trimmed, a fence around the whole answer removed. */
export function parseTextOutput(output: string): TextResult {
  return { text: unwrapWholeFence(normaliseLineEndings(output)).text, warnings: [] };
}

/** Subtitles: the text and its non-empty lines (bilingual subtitles give two lines). */
export function parseSubtitlesOutput(output: string): TextResult & { lines: string[] } {
  const { text } = parseTextOutput(output);
  const lines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  return { text: lines.join("\n"), lines, warnings: [] };
}

/** A formula: LaTeX with a ```latex fence around the whole answer removed; `$$` delimiters are kept. */
export function parseFormulaOutput(output: string): TextResult {
  return parseTextOutput(output);
}

/** A chart: Mermaid (flowcharts) or Markdown; `format` says which, a whole-answer fence is removed. */
export function parseChartOutput(output: string): TextResult & { format: "mermaid" | "markdown" } {
  const { text, language } = unwrapWholeFence(normaliseLineEndings(output));
  const mermaid =
    language === "mermaid" ||
    /^(?:graph|flowchart)\s+(?:TD|TB|BT|RL|LR)\b|^(?:sequenceDiagram|classDiagram|stateDiagram|gantt|pie|mindmap)\b/m.test(
      text,
    );
  return { text, format: mermaid ? "mermaid" : "markdown", warnings: [] };
}

/**
 * A table: HTML with a ```html fence removed. With `tableFormat: "markdown"` tables without merged cells
 * become pipe tables; the others stay HTML with a warning saying why.
 */
export function parseTableOutput(output: string, tableFormat: "html" | "markdown" = "html"): TextResult {
  if (tableFormat !== "markdown") return parseTextOutput(output);
  const { markdown, warnings } = parseDocumentOutput(output, { tableFormat });
  return { text: markdown, warnings };
}
