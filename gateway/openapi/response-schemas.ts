import type { z } from "zod";
import { ocrPageSchema, ocrResponseSchema } from "../ocr/ocr-response-schema.ts";
import { type JsonSchema, requestBodySchema } from "./request-schemas.ts";

/** A zod schema of an answer, as the document declares it (its output form). */
function outputSchema(schema: z.ZodType): JsonSchema {
  return requestBodySchema(schema, {}, "output");
}

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

const storeHealth = (description: string): JsonSchema => ({
  type: "object",
  description,
  properties: {
    ok: { type: "boolean" },
    backend: { type: "string", enum: ["postgres", "sqlite"] },
    error: { type: "string" },
  },
  required: ["ok", "backend"],
});

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
    OcrPage: outputSchema(ocrPageSchema),
    OcrResponse: outputSchema(ocrResponseSchema),
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
        model_version: {
          type: "string",
          description:
            "With UPSTREAMS_FILE: the model version this name pins (its name or served model name).",
        },
      },
      required: ["id", "object", "created", "owned_by"],
    },
    ModelList: {
      type: "object",
      properties: {
        object: { const: "list" },
        data: { type: "array", items: ref("Model") },
        versions: {
          type: "array",
          description:
            "With UPSTREAMS_FILE: every model version, its role and the weight routing uses now (0 after a rollback).",
          items: {
            type: "object",
            properties: {
              name: { type: "string" },
              model: { type: "string", description: "The served model name." },
              profile: { type: "string" },
              role: { enum: ["stable", "candidate"] },
              weight: { type: "number" },
              shadow_percent: { type: "number" },
              rolled_back: { type: "string", description: "Why it was rolled back (error_rate, loop_rate)." },
            },
            required: ["name", "model", "profile", "role", "weight", "shadow_percent"],
          },
        },
      },
      required: ["object", "data"],
    },
    TaskList: {
      type: "object",
      properties: {
        object: { const: "list" },
        profile: { type: "string" },
        backend: { type: "string", description: "The backend `available` and `ignored_options` refer to." },
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
              available: { type: "boolean", description: "The configured backend runs this task." },
              ignored_options: {
                type: "array",
                items: { type: "string" },
                description:
                  "Options the backend accepts and validates but has no use for (e.g. `language`).",
              },
            },
            required: [
              "name",
              "aliases",
              "description",
              "parser",
              "variables",
              "available",
              "ignored_options",
            ],
          },
        },
      },
      required: ["object", "profile", "backend", "data"],
    },
    Health: {
      type: "object",
      properties: { status: { const: "ok" } },
      required: ["status"],
    },
    WebhookDelivery: {
      type: "object",
      description:
        "One event's delivery to a webhook URL: retried with backoff until a 2xx, a permanent refusal or the " +
        "end of the retry window. Every attempt carries the same `webhook-id` (the event id).",
      properties: {
        event_id: { type: "string" },
        type: { type: "string", examples: ["ocr.job.completed", "batch.completed"] },
        url: { type: "string" },
        status: { type: "string", enum: ["pending", "delivered", "failed"] },
        attempts: {
          type: "array",
          items: {
            type: "object",
            properties: {
              at: { type: "integer", description: "Unix seconds." },
              status_code: nullable("integer"),
              error: nullable("string"),
            },
            required: ["at", "status_code", "error"],
          },
        },
        next_attempt_at: {
          ...nullable("integer"),
          description: "Unix seconds; null once delivered or given up.",
        },
      },
      required: ["event_id", "type", "url", "status", "attempts", "next_attempt_at"],
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
        job_store: storeHealth(
          "The job store (jobs' database); `ok: false` never makes the gateway unready.",
        ),
        batch_store: storeHealth(
          "The files, batches and webhook deliveries' database; `ok: false` never makes the gateway unready.",
        ),
      },
      required: ["status", "ready", "backend"],
    },
    JsonRpcError: {
      type: "object",
      description: "A JSON-RPC 2.0 error, as the MCP transport answers refused requests.",
      properties: {
        jsonrpc: { const: "2.0" },
        error: {
          type: "object",
          properties: { code: { type: "integer" }, message: { type: "string" }, data: {} },
          required: ["code", "message"],
        },
        id: { type: ["string", "integer", "null"] },
      },
      required: ["jsonrpc", "error", "id"],
    },
  };
}
