import { type GatewayError, ServiceUnavailableError } from "../../errors.ts";

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * True for failures that mean "the database cannot be reached right now" rather than a bad query: socket
 * errors, PostgreSQL's connection-exception (08xxx) and operator-intervention (57Pxx: shutdown, starting up)
 * classes, and pg's own connect timeout and terminated-connection errors.
 */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && (CONNECTION_CODES.has(code) || /^(08|57P)/.test(code))) return true;
  const message = error instanceof Error ? error.message : "";
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
    message,
  );
}

/** 503 `job_store_unavailable`: the job routes' answer while the database is down. */
export function jobStoreUnavailable(cause: unknown): GatewayError {
  return new ServiceUnavailableError(
    "job_store_unavailable",
    "The job store (database) is unavailable; retry shortly. Synchronous /v1/ocr still works.",
    { cause, headers: { "retry-after": "5" } },
  );
}
