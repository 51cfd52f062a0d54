import { BATCH_ENDPOINTS } from "../../batches/batch-record.ts";
import { BATCH_STATUSES, MISTRAL_STATUS } from "../../batches/batch-status.ts";
import type { JsonSchema } from "../request-schemas.ts";
import { idParameter, json, ref } from "./ocr-job-paths.ts";

type Operation = Record<string, unknown>;
const STATUS = { BadRequest: "400", Unauthorized: "401", NotFound: "404", PayloadTooLarge: "413" };
const errors = (authErrors: string[], ...names: Array<keyof typeof STATUS>) =>
  Object.fromEntries(
    [...authErrors, ...names].map((name) => [STATUS[name as keyof typeof STATUS], ref(name)]),
  );
const conflict = {
  "409": json("The batch has already ended.", { $ref: "#/components/schemas/ErrorEnvelope" }),
};
const nullableInteger = { type: ["integer", "null"] };

const file: JsonSchema = {
  type: "object",
  description: "OpenAI's File object, with Mistral's file fields (`sample_type`, `source`, `num_lines`).",
  required: ["id", "object", "bytes", "created_at", "filename", "purpose"],
  properties: {
    id: { type: "string" },
    object: { const: "file" },
    bytes: { type: "integer" },
    created_at: { type: "integer" },
    filename: { type: "string" },
    purpose: { enum: ["batch", "batch_output"] },
    status: { const: "processed" },
    expires_at: nullableInteger,
    sample_type: { enum: ["batch_request", "batch_result", "batch_error"] },
    num_lines: nullableInteger,
  },
};

const deliveries: JsonSchema = {
  type: "array",
  description: "The gateway's addition: the webhook deliveries of the batch's events and their attempts.",
  items: { $ref: "#/components/schemas/WebhookDelivery" },
};

const batch: JsonSchema = {
  type: "object",
  description: "OpenAI's Batch object.",
  required: ["id", "object", "endpoint", "input_file_id", "completion_window", "status", "created_at"],
  properties: {
    id: { type: "string" },
    object: { const: "batch" },
    endpoint: { enum: [...BATCH_ENDPOINTS] },
    input_file_id: { type: "string" },
    completion_window: { type: "string" },
    status: { enum: [...BATCH_STATUSES] },
    output_file_id: { type: ["string", "null"] },
    error_file_id: { type: ["string", "null"] },
    errors: { type: ["object", "null"] },
    request_counts: {
      type: "object",
      properties: { total: { type: "integer" }, completed: { type: "integer" }, failed: { type: "integer" } },
    },
    created_at: { type: "integer" },
    in_progress_at: nullableInteger,
    expires_at: { type: "integer" },
    finalizing_at: nullableInteger,
    completed_at: nullableInteger,
    failed_at: nullableInteger,
    expired_at: nullableInteger,
    cancelling_at: nullableInteger,
    cancelled_at: nullableInteger,
    metadata: { type: ["object", "null"], additionalProperties: { type: "string" } },
    webhook_deliveries: deliveries,
  },
};

const batchJob: JsonSchema = {
  type: "object",
  description: "Mistral's BatchJob object (the same batches as /v1/batches).",
  required: ["id", "object", "input_files", "endpoint", "status", "created_at", "total_requests"],
  properties: {
    id: { type: "string" },
    object: { const: "batch" },
    input_files: { type: "array", items: { type: "string" } },
    endpoint: { type: "string" },
    model: { type: ["string", "null"] },
    output_file: { type: ["string", "null"] },
    error_file: { type: ["string", "null"] },
    errors: { type: "array", items: { type: "object" } },
    status: { enum: [...new Set(Object.values(MISTRAL_STATUS))] },
    created_at: { type: "integer" },
    total_requests: { type: "integer" },
    completed_requests: { type: "integer" },
    succeeded_requests: { type: "integer" },
    failed_requests: { type: "integer" },
    started_at: nullableInteger,
    completed_at: nullableInteger,
    webhook_deliveries: deliveries,
  },
};

const list = (items: JsonSchema): JsonSchema => ({
  type: "object",
  properties: {
    object: { const: "list" },
    data: { type: "array", items },
    has_more: { type: "boolean" },
    first_id: { type: ["string", "null"] },
    last_id: { type: ["string", "null"] },
    total: { type: "integer" },
  },
});

const cursor = [
  { name: "after", in: "query", schema: { type: "string" } },
  { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 10000, default: 20 } },
];

/** `/v1/files`, `/v1/batches` (OpenAI) and `/v1/batch/jobs` (Mistral). */
export function batchPaths(secured: (operation: Operation) => Operation, authErrors: string[]) {
  const files = ["Batches"];
  return {
    "/v1/files": {
      post: secured({
        operationId: "uploadFile",
        tags: files,
        summary: "Upload a JSONL batch input (`purpose=batch`)",
        requestBody: {
          required: true,
          content: {
            "multipart/form-data": {
              schema: {
                type: "object",
                required: ["file", "purpose"],
                properties: { file: { type: "string", format: "binary" }, purpose: { const: "batch" } },
              },
            },
          },
        },
        responses: {
          "200": json("The stored file.", file),
          ...errors(authErrors, "BadRequest", "PayloadTooLarge"),
        },
      }),
      get: secured({
        operationId: "listFiles",
        tags: files,
        summary: "List your files, newest first",
        parameters: [...cursor, { name: "purpose", in: "query", schema: { type: "string" } }],
        responses: { "200": json("A page of files.", list(file)), ...errors(authErrors, "BadRequest") },
      }),
    },
    "/v1/files/{id}": {
      get: secured({
        operationId: "retrieveFile",
        tags: files,
        summary: "Retrieve a file",
        parameters: [idParameter],
        responses: { "200": json("The file.", file), ...errors(authErrors, "NotFound") },
      }),
      delete: secured({
        operationId: "deleteFile",
        tags: files,
        summary: "Delete a file",
        parameters: [idParameter],
        responses: { "200": json("Deleted.", { type: "object" }), ...errors(authErrors, "NotFound") },
      }),
    },
    "/v1/files/{id}/content": {
      get: secured({
        operationId: "downloadFile",
        tags: files,
        summary: "Download a file's bytes (output files are OpenAI batch output JSONL)",
        parameters: [idParameter],
        responses: {
          "200": {
            description: "The bytes.",
            content: { "application/octet-stream": { schema: { type: "string" } } },
          },
          ...errors(authErrors, "NotFound"),
        },
      }),
    },
    "/v1/batches": {
      post: secured({
        operationId: "createBatch",
        tags: files,
        summary: "Create a batch from an uploaded JSONL file",
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["input_file_id", "endpoint", "completion_window"],
                properties: {
                  input_file_id: { type: "string" },
                  endpoint: { enum: [...BATCH_ENDPOINTS] },
                  completion_window: { const: "24h" },
                  metadata: { type: "object", additionalProperties: { type: "string" } },
                  webhook_url: {
                    type: "string",
                    description: "Where the end event goes (else WEBHOOK_URL).",
                  },
                },
              },
            },
          },
        },
        responses: {
          "200": json("The batch, validating.", batch),
          ...errors(authErrors, "BadRequest", "NotFound"),
        },
      }),
      get: secured({
        operationId: "listBatches",
        tags: files,
        summary: "List your batches, newest first",
        parameters: cursor,
        responses: { "200": json("A page of batches.", list(batch)), ...errors(authErrors, "BadRequest") },
      }),
    },
    "/v1/batches/{id}": {
      get: secured({
        operationId: "retrieveBatch",
        tags: files,
        summary: "Retrieve a batch (with its webhook deliveries)",
        parameters: [idParameter],
        responses: { "200": json("The batch.", batch), ...errors(authErrors, "NotFound") },
      }),
    },
    "/v1/batches/{id}/cancel": {
      post: secured({
        operationId: "cancelBatch",
        tags: files,
        summary: "Cancel a batch (cancelling, then cancelled with the results so far)",
        parameters: [idParameter],
        responses: { "200": json("The batch.", batch), ...conflict, ...errors(authErrors, "NotFound") },
      }),
    },
    "/v1/batch/jobs": {
      post: secured({
        operationId: "createBatchJob",
        tags: files,
        summary: "Mistral: create a batch job from one input file or inline requests",
        requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } },
        responses: {
          "200": json("The job, queued.", batchJob),
          ...errors(authErrors, "BadRequest", "NotFound"),
        },
      }),
      get: secured({
        operationId: "listBatchJobs",
        tags: files,
        summary: "Mistral: list your batch jobs by page",
        parameters: [
          { name: "page", in: "query", schema: { type: "integer", minimum: 0 } },
          { name: "page_size", in: "query", schema: { type: "integer", minimum: 1 } },
        ],
        responses: { "200": json("A page of jobs.", list(batchJob)), ...errors(authErrors, "BadRequest") },
      }),
    },
    "/v1/batch/jobs/{id}": {
      get: secured({
        operationId: "getBatchJob",
        tags: files,
        summary: "Mistral: get a batch job",
        parameters: [idParameter],
        responses: { "200": json("The job.", batchJob), ...errors(authErrors, "NotFound") },
      }),
    },
    "/v1/batch/jobs/{id}/cancel": {
      post: secured({
        operationId: "cancelBatchJob",
        tags: files,
        summary: "Mistral: cancel a batch job",
        parameters: [idParameter],
        responses: { "200": json("The job.", batchJob), ...conflict, ...errors(authErrors, "NotFound") },
      }),
    },
  };
}
