import type { JsonSchema } from "./request-schemas.ts";

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (type: string): JsonSchema => ({ type: [type, "null"] });

const usage: JsonSchema = {
  type: "object",
  properties: {
    prompt_tokens: { type: "integer" },
    completion_tokens: { type: "integer" },
    total_tokens: { type: "integer" },
  },
  required: ["prompt_tokens", "completion_tokens"],
};

const box: JsonSchema = {
  type: "object",
  properties: {
    x1: { type: "number" },
    y1: { type: "number" },
    x2: { type: "number" },
    y2: { type: "number" },
  },
  required: ["x1", "y1", "x2", "y2"],
};

const pageResult: JsonSchema = {
  type: "object",
  description: "One page: Mistral's OCR page plus the gateway's per-task fields.",
  properties: {
    index: { type: "integer", description: "0-based page index in the document." },
    markdown: { type: "string" },
    text: { type: "string" },
    images: {
      type: "array",
      description: "Figure regions (document task), in pixels of the page.",
      items: {
        type: "object",
        properties: {
          id: { type: "string" },
          top_left_x: { type: "number" },
          top_left_y: { type: "number" },
          bottom_right_x: { type: "number" },
          bottom_right_y: { type: "number" },
          image_base64: nullable("string"),
        },
        required: ["id", "top_left_x", "top_left_y", "bottom_right_x", "bottom_right_y"],
      },
    },
    dimensions: {
      type: "object",
      properties: { width: { type: "integer" }, height: { type: "integer" }, dpi: { type: "integer" } },
      required: ["width", "height", "dpi"],
    },
    boxes: {
      type: "array",
      description: "Spotting: text lines with boxes in pixels of the original page.",
      items: {
        type: "object",
        properties: {
          text: { type: "string" },
          box,
          polygon: { type: "array", items: { type: "array", items: { type: "number" } } },
          confidence: { type: "number" },
        },
        required: ["text", "box"],
      },
    },
    box_units: { type: "string", enum: ["pixels"] },
    fields: { type: ["object", "null"], description: "Field extraction: this page's fields." },
    lines: { type: "array", items: { type: "string" }, description: "Subtitles: one entry per line." },
    confidence: { type: "number" },
    finish_reason: { type: "string", enum: ["stop", "length", "repetition", "error"] },
    retried: { type: "boolean" },
    warnings: { type: "array", items: { type: "string" } },
    error: {
      type: "object",
      properties: { code: { type: "string" }, message: { type: "string" } },
      required: ["code", "message"],
    },
    usage,
  },
  required: ["index", "markdown", "text", "images", "dimensions", "finish_reason", "usage"],
};

/** Response and shared schemas of the document (`components.schemas`); request bodies are added from zod. */
export function responseSchemas(): Record<string, JsonSchema> {
  return {
    ErrorEnvelope: {
      type: "object",
      description: "Every error answer: OpenAI's shape with a stable string `code`.",
      properties: {
        error: {
          type: "object",
          properties: {
            message: { type: "string" },
            type: { type: "string", examples: ["invalid_request_error", "authentication_error"] },
            param: nullable("string"),
            code: { type: "string", examples: ["model_not_found", "invalid_request"] },
          },
          required: ["message", "type", "param", "code"],
        },
      },
      required: ["error"],
    },
    OcrPage: pageResult,
    OcrResponse: {
      type: "object",
      description: "Mistral's OCR response, extended with the task, the joined text and extracted fields.",
      properties: {
        id: { type: "string" },
        object: { const: "ocr" },
        model: { type: "string" },
        task: { type: "string" },
        backend: { type: "string" },
        text: { type: "string", description: "All pages' text, joined by a blank line." },
        pages: { type: "array", items: ref("OcrPage") },
        fields: { type: ["object", "null"], description: "Field extraction: all pages' fields merged." },
        document_annotation: { ...nullable("string"), description: "The fields as a JSON string (Mistral)." },
        usage_info: {
          type: "object",
          properties: { pages_processed: { type: "integer" }, doc_size_bytes: { type: "integer" } },
          required: ["pages_processed", "doc_size_bytes"],
        },
        usage,
      },
      required: ["id", "object", "model", "task", "backend", "text", "pages", "usage_info", "usage"],
    },
    ChatCompletion: {
      type: "object",
      description: "OpenAI's chat completion, as vLLM (or the embedded engine) answers it.",
      properties: {
        id: { type: "string" },
        object: { const: "chat.completion" },
        created: { type: "integer" },
        model: { type: "string" },
        choices: {
          type: "array",
          items: {
            type: "object",
            properties: {
              index: { type: "integer" },
              message: {
                type: "object",
                properties: { role: { type: "string" }, content: nullable("string") },
                required: ["role"],
              },
              finish_reason: nullable("string"),
            },
            required: ["index", "message"],
          },
        },
        usage,
      },
      required: ["id", "object", "model", "choices"],
    },
    Model: {
      type: "object",
      properties: {
        id: { type: "string" },
        object: { const: "model" },
        created: { type: "integer" },
        owned_by: { type: "string" },
        root: { type: "string" },
        parent: nullable("string"),
        max_model_len: { type: "integer" },
        backend: { type: "string" },
      },
      required: ["id", "object", "created", "owned_by"],
    },
    ModelList: {
      type: "object",
      properties: { object: { const: "list" }, data: { type: "array", items: ref("Model") } },
      required: ["object", "data"],
    },
    TaskList: {
      type: "object",
      properties: {
        object: { const: "list" },
        profile: { type: "string" },
        data: {
          type: "array",
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              aliases: { type: "array", items: { type: "string" } },
              description: { type: "string" },
              default_language: { type: "string" },
              languages: { type: "array", items: { type: "string" } },
              parser: { type: "string" },
              structured_output: { type: "boolean" },
              embedded: nullable("string"),
              variables: { type: "array", items: { type: "object" } },
            },
            required: ["name", "aliases", "description", "parser", "variables"],
          },
        },
      },
      required: ["object", "data"],
    },
    Health: {
      type: "object",
      properties: { status: { const: "ok" } },
      required: ["status"],
    },
    Readiness: {
      type: "object",
      properties: {
        status: { type: "string", enum: ["ready", "unavailable"] },
        ready: { type: "boolean" },
        backend: { type: "string" },
        detail: { type: "object" },
        redis: {
          type: "object",
          description: "With REDIS_URL: shared state; `down` never makes the gateway unready.",
          properties: { status: { type: "string", enum: ["up", "down"] }, detail: { type: "string" } },
        },
      },
      required: ["status", "ready", "backend"],
    },
    JsonRpcMessage: {
      type: "object",
      description: "A JSON-RPC 2.0 message of the Model Context Protocol (see modelcontextprotocol.io).",
      properties: {
        jsonrpc: { const: "2.0" },
        id: { type: ["string", "integer"] },
        method: { type: "string" },
        params: { type: "object" },
      },
      required: ["jsonrpc"],
    },
  };
}
