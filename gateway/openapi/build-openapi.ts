import { apiPaths } from "./api-paths.ts";
import { ERROR_RESPONSES, type Operation } from "./operation-parts.ts";
import {
  chatRequestJsonSchema,
  jsonRpcBodyJsonSchema,
  ocrFormJsonSchema,
  ocrRequestJsonSchema,
} from "./request-schemas.ts";
import { responseSchemas } from "./response-schemas.ts";

export interface OpenApiOptions {
  version: string;
  /** Credentials are required on /v1 and /mcp (API keys or JWT configured). */
  authRequired: boolean;
  /** `/metrics` wants `METRICS_TOKEN` as a bearer token. */
  metricsTokenRequired: boolean;
  /** `/mcp` is served (`MCP_ENABLED`). */
  mcpEnabled: boolean;
  /** /v1 and /mcp answer 429 `rate_limited` beyond `RATE_LIMIT_PER_MINUTE`. */
  rateLimited: boolean;
  /** `/v1/ocr/jobs` is served (`JOBS_ENABLED`). */
  jobsEnabled?: boolean;
}

const HEADER_REFS: Record<string, string> = { "retry-after": "RetryAfter", allow: "Allow" };

const DESCRIPTION = `An OCR API in front of HunyuanOCR: OpenAI chat completions, Mistral-style \`/v1/ocr\` with tasks \
(plain text, Markdown, fields, translation, text spotting), and an MCP server for agents.

Every error is \`{"error": {"message", "type", "param", "code"}}\` with a stable \`code\`, and every response \
carries \`x-request-id\`.`;

/**
 * The gateway's OpenAPI 3.1 document. Request bodies come from the zod schemas the routes validate with, so
 * the document cannot drift from what the routes accept; security reflects the running configuration.
 */
export function buildOpenApiDocument(options: OpenApiOptions): Record<string, unknown> {
  const credentials = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
  const secured = (operation: Operation) =>
    options.authRequired ? { ...operation, security: credentials } : operation;
  const authErrors = [
    ...(options.authRequired ? ["Unauthorized"] : []),
    ...(options.rateLimited ? ["TooManyRequests"] : []),
  ];
  const paths = apiPaths({
    secured,
    authErrors,
    metricsSecurity: options.metricsTokenRequired ? [{ metricsToken: [] }] : [],
    mcpEnabled: options.mcpEnabled,
    jobsEnabled: options.jobsEnabled === true,
  });
  if (!options.mcpEnabled) delete paths["/mcp"];

  const errorResponses = Object.fromEntries(
    Object.entries(ERROR_RESPONSES).map(([name, { description, headers: extra = [] }]) => {
      const headers: Record<string, unknown> = { "x-request-id": { $ref: "#/components/headers/RequestId" } };
      for (const header of extra) headers[header] = { $ref: `#/components/headers/${HEADER_REFS[header]}` };
      return [
        name,
        {
          description,
          headers,
          content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorEnvelope" } } },
        },
      ];
    }),
  );

  return {
    openapi: "3.1.0",
    info: {
      title: "HunyuanOCR gateway",
      version: options.version,
      description: DESCRIPTION,
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    tags: [
      { name: "OCR", description: "Document reading with tasks." },
      { name: "OpenAI", description: "OpenAI-compatible endpoints." },
      { name: "MCP", description: "Model Context Protocol for agents." },
      { name: "Jobs", description: "Durable async OCR jobs." },
      { name: "Batches", description: "OpenAI Files and Batches, Mistral batch jobs." },
      { name: "Operations", description: "Health, readiness, metrics and this reference." },
    ],
    paths,
    components: {
      schemas: {
        ChatCompletionRequest: chatRequestJsonSchema(),
        OcrRequest: ocrRequestJsonSchema(),
        OcrForm: ocrFormJsonSchema(),
        JsonRpcBody: jsonRpcBodyJsonSchema(),
        ...responseSchemas(),
      },
      responses: errorResponses,
      headers: {
        RequestId: {
          description: "The caller's `x-request-id` when it is a sane token, else one the gateway generated.",
          schema: { type: "string" },
        },
        RetryAfter: { description: "Seconds to wait before retrying.", schema: { type: "integer" } },
        Allow: { description: "The methods the path serves.", schema: { type: "string" } },
      },
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "An API key (API_KEYS / API_KEYS_FILE) or a JWT (JWT_SECRET / JWT_JWKS_URL).",
        },
        apiKeyHeader: { type: "apiKey", in: "header", name: "x-api-key", description: "An API key." },
        metricsToken: { type: "http", scheme: "bearer", description: "METRICS_TOKEN, for GET /metrics." },
      },
    },
  };
}
