import { z } from "zod";
import type { OcrResponse } from "./ocr-response.ts";

const usage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int().optional(),
});

const pixelBox = z.object({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() });
const confidence = z.number().min(0).max(1);

const pageBox = z.object({
  text: z.string(),
  box: pixelBox,
  polygon: z.array(z.array(z.number())).optional(),
  confidence: confidence.optional().describe("0–1, as for `text_lines`."),
});

const textLine = z.object({
  text: z.string(),
  confidence: confidence.describe(
    "0–1: the engine's score (embedded) or the geometric mean of the line's token probabilities (vLLM).",
  ),
  box: pixelBox.optional().describe("Embedded engine: the line's box in pixels of the original page."),
});

const pageImage = z.object({
  id: z.string(),
  top_left_x: z.number(),
  top_left_y: z.number(),
  bottom_right_x: z.number(),
  bottom_right_y: z.number(),
  image_base64: z.string().nullable().optional(),
});

/** One page of a `/v1/ocr` answer: Mistral's OCR page plus the gateway's per-task fields. */
export const ocrPageSchema = z
  .object({
    index: z.number().int().min(0).describe("0-based page index in the document (as `pages` counts)."),
    markdown: z.string(),
    text: z.string(),
    images: z.array(pageImage).describe("Figure regions (document task), in pixels of the page."),
    dimensions: z.object({ width: z.number().int(), height: z.number().int(), dpi: z.number().int() }),
    boxes: z
      .array(pageBox)
      .optional()
      .describe("Spotting: text lines with boxes in pixels of the original page."),
    box_units: z.literal("pixels").optional(),
    fields: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .describe("Field extraction: this page's."),
    lines: z.array(z.string()).optional().describe("Subtitles: one entry per line."),
    text_lines: z
      .array(textLine)
      .optional()
      .describe(
        "The answer's lines in reading order, each with its confidence (embedded engine: also its box). Absent when the backend reported no scores.",
      ),
    confidence: confidence
      .optional()
      .describe(
        "0–1: the embedded engine's mean line score, or the geometric mean of all the answer's token probabilities (vLLM). Absent when the backend reported no scores.",
      ),
    rotation: z
      .union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)])
      .optional()
      .describe(
        "Degrees the page was turned clockwise to be read upright (`AUTO_ROTATE=on`); boxes, polygons and " +
          "figure regions are still in pixels of the page as sent.",
      ),
    finish_reason: z.enum(["stop", "length", "repetition", "error"]),
    retried: z.boolean(),
    warnings: z.array(z.string()),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    usage,
  })
  .describe("One page: Mistral's OCR page plus the gateway's per-task fields.");

/**
 * The `/v1/ocr` answer, as a schema: the OpenAPI document's `OcrResponse` and the MCP tools' `outputSchema`
 * (their `structuredContent` is this answer) are both built from it.
 */
export const ocrResponseSchema = z
  .object({
    id: z.string(),
    object: z.literal("ocr"),
    model: z.string().describe("The model (vLLM) or engine (`embedded:…`) that read the document."),
    task: z.string(),
    backend: z.string().describe("`vllm` or `embedded`."),
    text: z.string().describe("All pages' text, joined by a blank line."),
    pages: z.array(ocrPageSchema),
    fields: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .describe("Field extraction: all pages' fields merged."),
    document_annotation: z.string().nullable().describe("The fields as a JSON string (Mistral)."),
    usage_info: z.object({ pages_processed: z.number().int(), doc_size_bytes: z.number().int() }),
    usage,
  })
  .describe("Mistral's OCR response, extended with the task, the backend, the joined text and the fields.");

// Compile-time guard: every answer the service builds fits the schema (a field added to one and not the
// other fails the type-check).
const answersFitSchema: OcrResponse extends z.output<typeof ocrResponseSchema> ? true : false = true;
void answersFitSchema;
