import type { JsonSchema } from "../request-schemas.ts";

type Operation = Record<string, unknown>;

export const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
export const requestIdHeader = { "x-request-id": { $ref: "#/components/headers/RequestId" } };
export const json = (description: string, schema: JsonSchema) => ({
  description,
  headers: requestIdHeader,
  content: { "application/json": { schema } },
});
export const idParameter = { name: "id", in: "path", required: true, schema: { type: "string" } };

const ocrJob: JsonSchema = {
  type: "object",
  required: ["id", "object", "status", "pages_total", "pages_done"],
  properties: {
    id: { type: "string" },
    object: { const: "ocr.job" },
    status: { enum: ["queued", "in_progress", "completed", "failed", "cancelled", "expired"] },
    model: { type: "string" },
    task: { type: "string" },
    created_at: { type: "integer" },
    started_at: { type: ["integer", "null"] },
    ended_at: { type: ["integer", "null"] },
    expires_at: {
      type: ["integer", "null"],
      description: "Expiry while running; result purge time once ended.",
    },
    pages_total: { type: "integer" },
    pages_done: { type: "integer" },
    pages_failed: { type: "integer" },
    metadata: { type: "object", additionalProperties: { type: "string" } },
    webhook_url: { type: ["string", "null"] },
    error: { type: ["object", "null"] },
    result: {
      description: "The `/v1/ocr` answer once completed (retrieve and cancel only).",
      anyOf: [{ $ref: "#/components/schemas/OcrResponse" }, { type: "null" }],
    },
    webhook_deliveries: {
      description:
        "Retrieve only: the webhook deliveries of the job's events (`ocr.job.<status>`) and their attempts.",
      type: "array",
      items: { $ref: "#/components/schemas/WebhookDelivery" },
    },
  },
};

const jobErrors = (authErrors: string[], ...names: string[]) =>
  Object.fromEntries(
    [...authErrors, ...names].map((name) => [
      { BadRequest: "400", Unauthorized: "401", NotFound: "404", ServiceUnavailable: "503" }[name] ?? "409",
      ref(name),
    ]),
  );

/** `/v1/ocr/jobs` and its sub-routes (async OCR jobs). */
export function ocrJobPaths(secured: (operation: Operation) => Operation, authErrors: string[]) {
  const tags = ["Jobs"];
  const conflict = {
    "409": json("The job has already ended.", { $ref: "#/components/schemas/ErrorEnvelope" }),
  };
  return {
    "/v1/ocr/jobs": {
      post: secured({
        operationId: "createOcrJob",
        tags,
        summary: "Submit a document to be read in the background",
        description:
          "Takes what `POST /v1/ocr` takes (multipart or JSON) plus `webhook_url` and `metadata`; honours " +
          "`Idempotency-Key` (same key and request → the same job; another request → 422).",
        parameters: [{ name: "Idempotency-Key", in: "header", required: false, schema: { type: "string" } }],
        requestBody: {
          required: true,
          content: {
            "application/json": { schema: { $ref: "#/components/schemas/OcrRequest" } },
            "multipart/form-data": { schema: { $ref: "#/components/schemas/OcrForm" } },
          },
        },
        responses: {
          "202": json("The job, queued.", ocrJob),
          "415": ref("UnsupportedMediaType"),
          "422": ref("UnprocessableEntity"),
          ...jobErrors(authErrors, "BadRequest", "ServiceUnavailable"),
        },
      }),
      get: secured({
        operationId: "listOcrJobs",
        tags,
        summary: "The caller's jobs, newest first (cursor pagination)",
        parameters: [
          { name: "after", in: "query", required: false, schema: { type: "string" } },
          {
            name: "limit",
            in: "query",
            required: false,
            schema: { type: "integer", minimum: 1, maximum: 100 },
          },
        ],
        responses: {
          "200": json("A page of jobs.", {
            type: "object",
            properties: {
              object: { const: "list" },
              data: { type: "array", items: ocrJob },
              first_id: { type: ["string", "null"] },
              last_id: { type: ["string", "null"] },
              has_more: { type: "boolean" },
            },
          }),
          ...jobErrors(authErrors, "BadRequest", "ServiceUnavailable"),
        },
      }),
    },
    "/v1/ocr/jobs/{id}": {
      get: secured({
        operationId: "getOcrJob",
        tags,
        summary: "A job's status, progress and (once completed) result",
        parameters: [idParameter],
        responses: {
          "200": json("The job.", ocrJob),
          ...jobErrors(authErrors, "NotFound", "ServiceUnavailable"),
        },
      }),
      delete: secured({
        operationId: "deleteOcrJob",
        tags,
        summary: "Delete a job with its document and result now (cancels it if running)",
        parameters: [idParameter],
        responses: {
          "200": json("Deleted.", {
            type: "object",
            properties: {
              id: { type: "string" },
              object: { const: "ocr.job.deleted" },
              deleted: { const: true },
            },
          }),
          ...jobErrors(authErrors, "NotFound", "ServiceUnavailable"),
        },
      }),
    },
    "/v1/ocr/jobs/{id}/cancel": {
      post: secured({
        operationId: "cancelOcrJob",
        tags,
        summary: "Cancel a queued or running job",
        parameters: [idParameter],
        responses: {
          "200": json("The cancelled job.", ocrJob),
          ...conflict,
          ...jobErrors(authErrors, "NotFound", "ServiceUnavailable"),
        },
      }),
    },
    "/v1/ocr/jobs/{id}/events": {
      get: secured({
        operationId: "ocrJobEvents",
        tags,
        summary: "The job's events as Server-Sent Events (`page.done`, then `done` or `error`)",
        description:
          "Each event has an `id:`; reconnect with `Last-Event-ID` (or `?after=`) to resume after it.",
        parameters: [
          idParameter,
          { name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } },
        ],
        responses: {
          "200": {
            description: "`id: <n>` / `event: <name>` / `data: <JSON>` frames.",
            headers: requestIdHeader,
            content: { "text/event-stream": { schema: { type: "string" } } },
          },
          ...jobErrors(authErrors, "BadRequest", "NotFound", "ServiceUnavailable"),
        },
      }),
    },
  };
}
