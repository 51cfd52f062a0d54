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
    output_format: {
      enum: ["json", "pdf", "alto", "hocr"],
      description: "What the job was asked for: `json` (the `result` only), or an archive file besides it.",
    },
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
    output: {
      description:
        "The archive file of a completed job asked for `output_format` pdf/alto/hocr (retrieve and cancel " +
        "only); download it from `download_path`. Kept as long as the result.",
      anyOf: [
        {
          type: "object",
          required: ["object", "format", "content_type", "filename", "bytes", "download_path"],
          properties: {
            object: { const: "ocr.job.output" },
            format: { enum: ["pdf", "alto", "hocr"] },
            content_type: { type: "string" },
            filename: { type: "string" },
            bytes: { type: "integer" },
            download_path: { type: "string", description: "`/v1/ocr/jobs/{id}/content`" },
          },
        },
        { type: "null" },
      ],
    },
    webhook_deliveries: {
      description:
        "Retrieve only: the webhook deliveries of the job's events (`ocr.job.<status>`) and their attempts.",
      type: "array",
      items: { $ref: "#/components/schemas/WebhookDelivery" },
    },
  },
};

/** The archive file a job wrote: a searchable PDF, ALTO XML or hOCR. */
const archiveFile = {
  description: "The file, as an attachment (`Content-Disposition` names it after the uploaded document).",
  headers: requestIdHeader,
  content: {
    "application/pdf": { schema: { type: "string", format: "binary" } },
    "application/xml": { schema: { type: "string", description: "ALTO 4.4 (`output_format: alto`)." } },
    "text/html": { schema: { type: "string", description: "hOCR 1.2 XHTML (`output_format: hocr`)." } },
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
          "`Idempotency-Key` (same key and request → the same job; another request → 422). With " +
          "`output_format` pdf/alto/hocr the file is written when the job completes and downloaded from " +
          "`GET /v1/ocr/jobs/{id}/content`.",
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
        summary: "Delete a job with its document, result and output file now (cancels it if running)",
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
    "/v1/ocr/jobs/{id}/content": {
      get: secured({
        operationId: "getOcrJobContent",
        tags,
        summary: "Download the archive file (searchable PDF, ALTO, hOCR) of a completed job",
        description:
          "404 `job_has_no_output` for a job created without an archive `output_format`; 409 " +
          "`job_not_finished` while it runs (with `retry-after`), `job_not_completed` once it failed, was " +
          "cancelled or expired.",
        parameters: [idParameter],
        responses: {
          "200": archiveFile,
          "409": json("The job has not completed (yet).", { $ref: "#/components/schemas/ErrorEnvelope" }),
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
