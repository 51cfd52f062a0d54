import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Logger } from "pino";
import { toErrorEnvelope, toGatewayError } from "../errors.ts";
import type { OcrResponse } from "../ocr/ocr-response.ts";

/**
 * A successful tool answer: `text` for the model to read, and the whole `/v1/ocr` response as
 * `structuredContent` for clients that use it (pages, boxes, usage).
 */
export function ocrToolResult(text: string, response: OcrResponse): CallToolResult {
  return {
    content: [{ type: "text", text }],
    structuredContent: { ...response },
  };
}

/**
 * A failed tool call as a tool result (`isError: true`), not a protocol error, so the calling model sees
 * what to fix. The text carries the status and the gateway's error code; internal errors are logged and never
 * described. No `structuredContent`: clients check it against the tool's `outputSchema` (the `/v1/ocr`
 * answer) even on errors.
 */
export function toolErrorResult(
  error: unknown,
  logger: Logger,
  context: Record<string, unknown>,
): CallToolResult {
  const known = toGatewayError(error);
  if (known.status >= 500) {
    const level = known.type === "internal_error" ? "error" : "warn";
    logger[level]({ ...context, code: known.code, status: known.status, err: error }, "mcp tool failed");
  }
  const envelope = toErrorEnvelope(known);
  return {
    content: [
      { type: "text", text: `Error ${known.status} ${envelope.error.code}: ${envelope.error.message}` },
    ],
    isError: true,
  };
}
