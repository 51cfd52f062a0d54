import { cachePaths } from "./cache-paths.ts";
import type { JsonSchema } from "./request-schemas.ts";

type Operation = Record<string, unknown>;
type Security = Array<Record<string, string[]>>;

const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const responseRef = (name: string) => ({ $ref: `#/components/responses/${name}` });
const requestIdHeader = { "x-request-id": { $ref: "#/components/headers/RequestId" } };

function json(description: string, schema: JsonSchema) {
  return { description, headers: requestIdHeader, content: { "application/json": { schema } } };
}

/** Error answers shared by the routes, by status (`components.responses`). */
export const ERROR_RESPONSES: Record<string, { status: string; description: string }> = {
  BadRequest: {
    status: "400",
    description: "The request is malformed: the `code` and `param` say what to fix.",
  },
  Unauthorized: { status: "401", description: "Missing or invalid credentials." },
  NotFound: { status: "404", description: "Unknown model, task or route." },
  PayloadTooLarge: { status: "413", description: "Body, file, image or page count over a configured limit." },
  UnsupportedMediaType: { status: "415", description: "A content or document type the gateway cannot read." },
  UnprocessableEntity: { status: "422", description: "A JSON schema the model server cannot honour." },
  TooManyRequests: { status: "429", description: "Rate limited or queue full; see `retry-after`." },
  NotImplemented: { status: "501", description: "The configured backend cannot run this task." },
  BadGateway: { status: "502", description: "The model server failed or answered something unusable." },
  ServiceUnavailable: { status: "503", description: "No model server available; see `retry-after`." },
  GatewayTimeout: { status: "504", description: "The model server was too slow." },
};

function errors(...names: string[]): Record<string, unknown> {
  const entries = names.map((name) => [ERROR_RESPONSES[name]?.status ?? "default", responseRef(name)]);
  return Object.fromEntries(entries);
}

const upstreamErrors = ["TooManyRequests", "BadGateway", "ServiceUnavailable", "GatewayTimeout"];

/** The path items of every route the gateway serves. `protectedSecurity` applies to /v1 and /mcp. */
export function apiPaths(options: { protectedSecurity: Security; metricsSecurity: Security }) {
  const secured = (operation: Operation): Operation =>
    options.protectedSecurity.length > 0 ? { ...operation, security: options.protectedSecurity } : operation;
  const authErrors = options.protectedSecurity.length > 0 ? ["Unauthorized"] : [];

  const ocrPost = secured({
    operationId: "createOcr",
    tags: ["OCR"],
    summary: "Read a document with a task (text, document, fields, translate, spotting, …)",
    description:
      "Mistral-compatible OCR: a document in (multipart upload or JSON with a URL), clean JSON out; Server-Sent " +
      "Events with `stream: true` (events `page.start`, `delta`, `page.retry`, `page.done`, `done`, and " +
      "`error` for a failure mid-stream, in the error envelope shape).",
    requestBody: {
      required: true,
      content: {
        "application/json": { schema: schemaRef("OcrRequest") },
        "multipart/form-data": {
          schema: schemaRef("OcrForm"),
          encoding: { file: { contentType: "image/*, application/pdf, video/*, application/octet-stream" } },
        },
      },
    },
    responses: {
      "200": {
        description: "The OCR result (JSON), or its events (`stream: true`).",
        headers: requestIdHeader,
        content: {
          "application/json": { schema: schemaRef("OcrResponse") },
          "text/event-stream": {
            schema: { type: "string", description: "`event: <name>` / `data: <JSON>` frames." },
          },
        },
      },
      ...errors(
        "BadRequest",
        ...authErrors,
        "NotFound",
        "PayloadTooLarge",
        "UnsupportedMediaType",
        "UnprocessableEntity",
        "NotImplemented",
        ...upstreamErrors,
      ),
    },
  });

  const chatPost = secured({
    operationId: "createChatCompletion",
    tags: ["OpenAI"],
    summary: "OpenAI chat completions with image messages",
    description:
      "Passed to the model server with HunyuanOCR's recommended defaults where the client left them unset; " +
      "unknown fields (vLLM extras) pass through. `stream: true` answers Server-Sent Events ending with " +
      "`data: [DONE]`; a failure mid-stream is an error event, never a truncated answer.",
    requestBody: {
      required: true,
      content: { "application/json": { schema: schemaRef("ChatCompletionRequest") } },
    },
    responses: {
      "200": {
        description: "The completion (JSON), or its chunks (`stream: true`).",
        headers: requestIdHeader,
        content: {
          "application/json": { schema: schemaRef("ChatCompletion") },
          "text/event-stream": { schema: { type: "string", description: "`data: <chunk JSON>` frames." } },
        },
      },
      ...errors(
        "BadRequest",
        ...authErrors,
        "NotFound",
        "PayloadTooLarge",
        "UnsupportedMediaType",
        ...upstreamErrors,
      ),
    },
  });

  const mcpError = { description: "Method not allowed: the MCP endpoint is stateless; use POST." };
  const mcpSummary = "Model Context Protocol server (Streamable HTTP, stateless)";
  const mcpPost = secured({
    operationId: "mcp",
    tags: ["MCP"],
    summary: mcpSummary,
    description:
      "JSON-RPC for MCP clients: tools read_text, extract_fields, parse_document, translate, spot_text " +
      "(those the backend can run). Send `accept: application/json, text/event-stream`.",
    requestBody: { required: true, content: { "application/json": { schema: schemaRef("JsonRpcMessage") } } },
    responses: {
      "200": {
        description: "The JSON-RPC response, as an SSE stream (progress notifications, then the result).",
        headers: requestIdHeader,
        content: {
          "text/event-stream": { schema: { type: "string" } },
          "application/json": { schema: schemaRef("JsonRpcMessage") },
        },
      },
      "202": { description: "A notification or response was accepted." },
      ...errors(...authErrors, "PayloadTooLarge"),
    },
  });

  return {
    "/v1/chat/completions": { post: chatPost },
    "/v1/models": {
      get: secured({
        operationId: "listModels",
        tags: ["OpenAI"],
        summary: "The served model and its aliases",
        responses: {
          "200": json("Models in OpenAI's list shape.", schemaRef("ModelList")),
          ...errors(...authErrors),
        },
      }),
    },
    "/v1/models/{id}": {
      get: secured({
        operationId: "retrieveModel",
        tags: ["OpenAI"],
        summary: "One model by name or alias",
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": json("The model.", schemaRef("Model")), ...errors(...authErrors, "NotFound") },
      }),
    },
    "/v1/ocr": { post: ocrPost },
    ...cachePaths(secured, errors("BadRequest", ...authErrors, "ServiceUnavailable")),
    "/v1/tasks": {
      get: secured({
        operationId: "listTasks",
        tags: ["OCR"],
        summary: "Every task /v1/ocr accepts, with aliases, variables and prompt languages",
        responses: { "200": json("The tasks.", schemaRef("TaskList")), ...errors(...authErrors) },
      }),
    },
    "/health": {
      get: {
        operationId: "health",
        tags: ["Operations"],
        summary: "Liveness: the process answers",
        responses: { "200": json("Alive.", schemaRef("Health")) },
      },
    },
    "/ready": {
      get: {
        operationId: "ready",
        tags: ["Operations"],
        summary: "Readiness: the backend can take work",
        responses: {
          "200": json("Ready.", schemaRef("Readiness")),
          "503": json("Not ready (no model server answers).", schemaRef("Readiness")),
        },
      },
    },
    "/metrics": {
      get: {
        operationId: "metrics",
        tags: ["Operations"],
        summary: "Prometheus metrics",
        ...(options.metricsSecurity.length > 0 ? { security: options.metricsSecurity } : {}),
        responses: {
          "200": {
            description: "Prometheus text exposition format.",
            content: { "text/plain": { schema: { type: "string" } } },
          },
          ...(options.metricsSecurity.length > 0 ? errors("Unauthorized") : {}),
        },
      },
    },
    "/mcp": {
      post: mcpPost,
      get: secured({
        operationId: "mcpGet",
        tags: ["MCP"],
        summary: mcpSummary,
        responses: { "405": mcpError },
      }),
      delete: secured({
        operationId: "mcpDelete",
        tags: ["MCP"],
        summary: mcpSummary,
        responses: { "405": mcpError },
      }),
    },
    "/openapi.json": {
      get: {
        operationId: "openapi",
        tags: ["Operations"],
        summary: "This OpenAPI 3.1 document",
        responses: {
          "200": { description: "The document.", content: { "application/json": { schema: {} } } },
        },
      },
    },
    "/docs": {
      get: {
        operationId: "docs",
        tags: ["Operations"],
        summary: "Interactive API reference (Swagger UI)",
        responses: {
          "200": { description: "An HTML page.", content: { "text/html": { schema: { type: "string" } } } },
        },
      },
    },
  };
}
