import { z } from "zod";
import type { OcrResponse } from "../ocr/ocr-response.ts";
import { PROMPT_LANGUAGES } from "../tasks/index.ts";
import { defineOcrTool, type OcrTool } from "./ocr-tool.ts";

// Defaults are /v1/ocr's (the task files'); test/mcp checks they stay the same.
const promptLanguage = z
  .enum(PROMPT_LANGUAGES)
  .default("zh")
  .describe(
    "Language of the instruction given to the model (zh: its native prompts). Text in any language is " +
      "read either way.",
  );

const tableFormat = z
  .enum(["html", "markdown"])
  .default("html")
  .describe("How tables appear: html (keeps merged cells) or markdown pipe tables.");

/** Lines read with a confidence below this are named to the calling model (as the web UI marks them). */
const LOW_CONFIDENCE = 0.6;
/** At most this many of a page's low-confidence lines are named; the rest are counted. */
const MAX_NAMED_LINES = 10;

/** A note naming the lines of a page the backend was unsure of, or "" when there are none. */
function lowConfidenceNote(page: OcrResponse["pages"][number]): string {
  const low = (page.text_lines ?? []).filter((line) => line.confidence < LOW_CONFIDENCE);
  if (low.length === 0) return "";
  const named = low
    .slice(0, MAX_NAMED_LINES)
    .map((line) => `${JSON.stringify(line.text)} (${Math.round(line.confidence * 100)}%)`);
  if (low.length > MAX_NAMED_LINES) named.push(`and ${low.length - MAX_NAMED_LINES} more`);
  return `\n\n[read with low confidence (below ${LOW_CONFIDENCE * 100}%): ${named.join(", ")}]`;
}

/**
 * The pages' text, each page under a `[page N]` line (0-based, as `pages` counts) when there are several, and
 * followed by the lines it was read with low confidence, if any (the scores are in `structuredContent`).
 */
function pagesText(response: OcrResponse): string {
  const pages = response.pages;
  const text =
    pages.length === 1
      ? `${pages[0]?.text ?? ""}${pages[0] ? lowConfidenceNote(pages[0]) : ""}`
      : pages.map((page) => `[page ${page.index}]\n${page.text}${lowConfidenceNote(page)}`).join("\n\n");
  return text.trim() === "" ? "(no text found)" : text;
}

const readText = defineOcrTool({
  name: "read_text",
  title: "Read text (OCR)",
  description:
    "Reads all text in an image or PDF (scans, receipts, screenshots, photos, signs) and returns it as plain " +
    "text in reading order. Use parse_document instead when layout, tables or formulas matter.",
  task: "text",
  shape: { prompt_language: promptLanguage },
  options: (args) => ({ language: args.prompt_language }),
  render: pagesText,
});

const extractFields = defineOcrTool({
  name: "extract_fields",
  title: "Extract fields",
  description:
    "Extracts named fields from a document (invoice, receipt, ID card, form) as a JSON object. Give either " +
    "`keys` (values come back as strings) or a JSON `schema` whose root is an object. Missing fields are " +
    "empty or null.",
  task: "fields",
  shape: {
    keys: z
      .array(z.string().min(1).max(200))
      .min(1)
      .max(100)
      .optional()
      .describe('Names of the fields to extract, e.g. ["company", "date", "total"].'),
    schema: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('A JSON Schema with "type": "object" describing the fields (instead of `keys`).'),
    prompt_language: promptLanguage,
  },
  options: (args) => ({ fields: args.keys, schema: args.schema, language: args.prompt_language }),
  render: (response) => JSON.stringify(response.fields ?? null, null, 2),
});

const parseDocument = defineOcrTool({
  name: "parse_document",
  title: "Parse document to Markdown",
  description:
    "Converts a document page (paper, report, slide, form) to Markdown: headings, lists, tables (HTML or " +
    "Markdown), formulas as LaTeX, in reading order; headers and footers left out. On the CPU engine: " +
    "headings, paragraphs and columns from the page layout, tables as aligned text.",
  task: "document",
  shape: { table_format: tableFormat, prompt_language: promptLanguage },
  options: (args) => ({ table_format: args.table_format, language: args.prompt_language }),
  render: pagesText,
});

const translate = defineOcrTool({
  name: "translate",
  title: "Translate document text",
  description:
    "Reads the text of an image or PDF and translates it into English or Chinese (the only targets the " +
    "model supports), keeping tables and formulas.",
  task: "translate",
  shape: {
    target_language: z.enum(["en", "zh"]).default("en").describe("en (English) or zh (Chinese)."),
    table_format: tableFormat,
  },
  options: (args) => ({ target_language: args.target_language, table_format: args.table_format }),
  render: pagesText,
});

const spotText = defineOcrTool({
  name: "spot_text",
  title: "Find text with positions",
  description:
    "Finds each line of text in an image or PDF with its bounding box, in pixels of the original page " +
    "(x1, y1 top-left; x2, y2 bottom-right). Returns JSON: one entry per page with its lines, each with " +
    "its confidence (0–1) when the backend reports one.",
  task: "spotting",
  shape: { prompt_language: promptLanguage },
  options: (args) => ({ language: args.prompt_language }),
  render: (response) =>
    JSON.stringify(
      response.pages.map((page) => ({
        page: page.index,
        width: page.dimensions.width,
        height: page.dimensions.height,
        ...(page.confidence != null ? { confidence: page.confidence } : {}),
        lines: (page.boxes ?? []).map(({ text, box, confidence }) => ({
          text,
          box: [box.x1, box.y1, box.x2, box.y2],
          ...(confidence != null ? { confidence } : {}),
        })),
      })),
    ),
});

/** Every OCR tool the MCP server offers (those whose task the backend cannot run are left out). */
export const OCR_TOOLS: readonly OcrTool[] = [readText, extractFields, parseDocument, translate, spotText];
