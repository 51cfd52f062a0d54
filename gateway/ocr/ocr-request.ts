import { z } from "zod";
import { OUTPUT_FORMATS } from "../output-formats/output-format.ts";

const imageUrlDocument = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.union([z.string().min(1), z.looseObject({ url: z.string().min(1) })]),
});
const documentUrlDocument = z.looseObject({
  type: z.literal("document_url"),
  document_url: z.string().min(1),
  document_name: z.string().nullish(),
});
const fileDocument = z.looseObject({ type: z.literal("file"), file_id: z.string() });

const pageList = z.union([z.array(z.number().int().min(0)), z.string().min(1)]);
const timestampList = z.union([z.array(z.number().min(0)), z.string().min(1)]);

/**
 * `/v1/ocr` as JSON: Mistral's OCR request (`model`, `document`, `pages`, `include_image_base64`,
 * `document_annotation_format`, `table_format`) plus the gateway's task options. Unknown Mistral options
 * (`image_limit`, `extract_header`, …) are accepted and ignored.
 */
export const ocrRequestSchema = z.looseObject({
  model: z.string().min(1).nullish(),
  id: z.string().nullish(),
  document: z.discriminatedUnion("type", [imageUrlDocument, documentUrlDocument, fileDocument]).optional(),
  task: z.string().min(1).optional(),
  language: z.string().min(1).optional(),
  pages: pageList.nullish(),
  include_image_base64: z.boolean().nullish(),
  document_annotation_format: z.unknown().optional(),
  bbox_annotation_format: z.null().optional(),
  table_format: z.enum(["html", "markdown"]).nullish(),
  fields: z.union([z.array(z.string().min(1)), z.string().min(1)]).optional(),
  schema: z.union([z.record(z.string(), z.unknown()), z.string().min(1)]).optional(),
  target_language: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  stream: z.boolean().optional(),
  max_tokens: z.number().int().positive().optional(),
  timestamps: timestampList.optional(),
  /** `json` (default), or an archive format built from the spotting task's boxes: `pdf`, `alto`, `hocr`. */
  output_format: z.enum(OUTPUT_FORMATS).optional(),
});

export type OcrRequest = z.infer<typeof ocrRequestSchema>;

/** Request fields that fill a task's variable of the same name when the task declares one. */
export const VARIABLE_FIELDS = ["fields", "target_language", "table_format", "key"] as const;
