import type { JsonSchema } from "./request-schemas.ts";

export type Operation = Record<string, unknown>;
export type Security = Array<Record<string, string[]>>;
/** Path → method → operation, as in the document's `paths`. */
export type PathItems = Record<string, Record<string, Operation>>;

/** What the configuration changes in the document; every path group gets it. */
export interface PathContext {
  /** Adds the credential requirement to an operation of /v1 or /mcp when auth is on. */
  secured(operation: Operation): Operation;
  /** Error responses of the auth middleware in front of /v1 and /mcp (401, and 429 when rate limited). */
  authErrors: string[];
  metricsSecurity: Security;
  mcpEnabled: boolean;
  /** `/v1/ocr/jobs`, files and batches are served (`JOBS_ENABLED` on the HTTP server). */
  jobsEnabled: boolean;
}

export const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

/** `x-model-version`: pins the model version that answers (gray release, UPSTREAMS_FILE). */
export const modelVersionParameter = {
  name: "x-model-version",
  in: "header",
  required: false,
  description:
    "The model version to answer with (its name or served model name, see `GET /v1/models`); without it the version goes by weight, sticky per API key. Unknown: 404 `unknown_model_version`. The answer's `x-model-version` header names the version that answered.",
  schema: { type: "string" },
};
export const requestIdHeader = { "x-request-id": { $ref: "#/components/headers/RequestId" } };

/** A JSON response with the request id header. */
export function json(description: string, schema: JsonSchema) {
  return { description, headers: requestIdHeader, content: { "application/json": { schema } } };
}

/** Error answers shared by the routes (`components.responses`), all in the error envelope. */
export const ERROR_RESPONSES: Record<string, { status: string; description: string; headers?: string[] }> = {
  BadRequest: {
    status: "400",
    description: "The request is malformed: the `code` and `param` say what to fix.",
  },
  Unauthorized: { status: "401", description: "Missing or invalid credentials." },
  Forbidden: {
    status: "403",
    description: "`url_not_allowed`: a URL pointing at a private, loopback or metadata address.",
  },
  NotFound: { status: "404", description: "Unknown model, task or route." },
  MethodNotAllowed: {
    status: "405",
    description: "`method_not_allowed`: the path exists, the method does not; `allow` lists those that do.",
    headers: ["allow"],
  },
  PayloadTooLarge: { status: "413", description: "Body, file, image or page count over a configured limit." },
  UnsupportedMediaType: { status: "415", description: "A content or document type the gateway cannot read." },
  UnprocessableEntity: { status: "422", description: "A JSON schema the model server cannot honour." },
  TooManyRequests: {
    status: "429",
    description: "Rate limited or queue full; see `retry-after`.",
    headers: ["retry-after"],
  },
  NotImplemented: { status: "501", description: "The configured backend cannot run this task." },
  BadGateway: { status: "502", description: "The model server failed or answered something unusable." },
  ServiceUnavailable: {
    status: "503",
    description: "No model server available; see `retry-after`.",
    headers: ["retry-after"],
  },
  GatewayTimeout: { status: "504", description: "The model server was too slow." },
};

/** `responses` entries for the named error responses, keyed by their status. */
export function errors(...names: string[]): Record<string, unknown> {
  return Object.fromEntries(
    names.map((name) => {
      const status = ERROR_RESPONSES[name]?.status;
      if (status == null) throw new Error(`No error response named ${name}`);
      return [status, { $ref: `#/components/responses/${name}` }];
    }),
  );
}

/** A 200 that is JSON, or Server-Sent Events with `stream: true`. */
export function jsonOrEventStream(description: string, schemaName: string, frames: string) {
  return {
    description,
    headers: requestIdHeader,
    content: {
      "application/json": { schema: schemaRef(schemaName) },
      "text/event-stream": { schema: { type: "string", description: frames } },
    },
  };
}

/** Errors of any call that reads a document or image (from the body, or from a URL it fetches). */
export const INPUT_ERRORS = [
  "BadRequest",
  "Forbidden",
  "NotFound",
  "PayloadTooLarge",
  "UnsupportedMediaType",
];

/** Errors of any call that reaches the model server. */
export const UPSTREAM_ERRORS = ["TooManyRequests", "BadGateway", "ServiceUnavailable", "GatewayTimeout"];
