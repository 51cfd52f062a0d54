import { JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { chatRequestSchema } from "../chat/chat-request.ts";
import { ocrRequestSchema } from "../ocr/ocr-request.ts";

export type JsonSchema = Record<string, unknown>;

/**
 * A zod schema as OpenAPI 3.1 wants it (JSON Schema 2020-12, without `$schema`), by default in its input
 * form (what a client may send, before defaults and transforms); `output` for answers.
 */
export function requestBodySchema(
  schema: z.ZodType,
  descriptions: Record<string, string> = {},
  io: "input" | "output" = "input",
): JsonSchema {
  const { $schema: _dialect, ...converted } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as JsonSchema;
  const properties = converted.properties as Record<string, JsonSchema> | undefined;
  for (const [name, description] of Object.entries(descriptions)) {
    const property = properties?.[name];
    if (property) property.description = description;
  }
  return converted;
}

const OCR_FIELD_DESCRIPTIONS: Record<string, string> = {
  model: "The served model or an alias; omitted: the served model.",
  document:
    "The document: an image_url or document_url (http(s), fetched SSRF-safely, or a base64 data: URL).",
  task: "Task name or alias (GET /v1/tasks). Default: fields when `fields`/`schema` are given, else document.",
  language: "Prompt language (zh or en); default: the task's.",
  pages: 'Pages to read (0-based): a list, or a string such as "0,2-4". Default: all.',
  include_image_base64: "Document task: include the cropped figures as base64 data: URLs.",
  document_annotation_format: "Mistral's response_format for the document annotation (a JSON schema).",
  table_format: "How tables appear in Markdown: html or markdown.",
  fields: "Field extraction: the keys to extract (a list, or comma-separated).",
  schema: "Field extraction: a JSON Schema whose root is an object (or that schema as a JSON string).",
  target_language: "translate: en or zh.",
  key: "value: the key whose value is asked for.",
  variables: "Values for the task's declared variables.",
  stream: "true: answer as Server-Sent Events (page.start, delta, page.retry, page.done, done, error).",
  max_tokens: "Upper bound on generated tokens per page (capped by MAX_TOKENS_CAP).",
  timestamps: 'Video input: seconds to read frames at, a list or "0,12.5". Default: the first frame.',
  output_format:
    "`json` (default); `pdf` (searchable PDF: the pages with an invisible text layer), `alto` (ALTO 4 XML) or " +
    "`hocr` (hOCR XHTML), built from the spotting task's boxes (the default task with them); not with `stream`.",
};

const CHAT_FIELD_DESCRIPTIONS: Record<string, string> = {
  model: "The served model or an alias; omitted: the served model.",
  messages:
    "OpenAI chat messages; images as image_url parts (data: URLs, or http(s) URLs the gateway fetches).",
  stream: "true: answer as Server-Sent Events in OpenAI's chunk format, ending with `data: [DONE]`.",
};

/** `POST /v1/chat/completions` body, from the schema the route validates with (unknown fields pass to vLLM). */
export function chatRequestJsonSchema(): JsonSchema {
  return requestBodySchema(chatRequestSchema, CHAT_FIELD_DESCRIPTIONS);
}

/**
 * `POST /v1/ocr` JSON body, from the schema the route validates with. `document` is optional in that schema
 * (a multipart upload brings a file instead) but a JSON body without one is refused (400 `missing_document`).
 */
export function ocrRequestJsonSchema(): JsonSchema {
  return requestBodySchema(ocrRequestSchema.required({ document: true }), OCR_FIELD_DESCRIPTIONS);
}

/** The MCP transport's limit on a JSON-RPC batch (`MAX_BATCH_SIZE` in the SDK's server). */
const MAX_BATCH_SIZE = 100;

/** `POST /mcp` body: one JSON-RPC message or a batch, as the MCP SDK's transport checks it. */
export function jsonRpcBodyJsonSchema(): JsonSchema {
  const body = z
    .union([JSONRPCMessageSchema, z.array(JSONRPCMessageSchema).min(1).max(MAX_BATCH_SIZE)])
    .describe("A JSON-RPC 2.0 message of the Model Context Protocol, or a batch of them.");
  return requestBodySchema(body);
}

// How the route reads form values (see http/read-ocr-input.ts): these are parsed, the rest stay strings.
const FORM_VALUE_HINTS: Record<string, string> = {
  stream: 'Boolean: "true", "1", "yes" or "on".',
  include_image_base64: 'Boolean: "true", "1", "yes" or "on".',
  max_tokens: "An integer.",
  variables: "A JSON object.",
  document_annotation_format: "A JSON object.",
  fields: 'Comma-separated keys, or a JSON list such as ["total","date"].',
  pages: 'Page list such as "0,2-4", or a JSON list.',
  timestamps: 'Seconds such as "0,12.5", or a JSON list.',
  schema: "A JSON Schema as a JSON string.",
};

/**
 * `POST /v1/ocr` as multipart/form-data: a `file` and the JSON body's options as form values (without
 * `document`, which the file replaces).
 */
export function ocrFormJsonSchema(): JsonSchema {
  const json = ocrRequestJsonSchema();
  const jsonProperties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const properties: Record<string, JsonSchema> = {
    file: {
      type: "string",
      contentMediaType: "application/octet-stream",
      description: "The document: an image (JPEG, PNG, WebP, TIFF, BMP, GIF), a PDF or a video.",
    },
  };
  for (const [name, property] of Object.entries(jsonProperties)) {
    if (name === "document" || name === "id" || name === "bbox_annotation_format") continue;
    const hint = FORM_VALUE_HINTS[name];
    const description = [property.description, hint].filter((part) => part != null).join(" ");
    properties[name] = { type: "string", ...(description ? { description } : {}) };
  }
  return { type: "object", properties, required: ["file"] };
}
