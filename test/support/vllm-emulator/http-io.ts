import type { IncomingMessage, ServerResponse } from "node:http";
import { validationError } from "./errors.ts";

/** Reads the whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/** Sends compact JSON, as Starlette's JSONResponse does. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sends a status with no body (vLLM's dead-engine 500, /health). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { "content-length": 0 });
  res.end();
}

/**
 * Parses a JSON request body the way FastAPI then vLLM's `validate_json_request` do: a body that claims JSON
 * (or names no type) must parse; then the media type must be exactly application/json.
 */
export function parseJsonRequest(contentType: string | undefined, raw: string): unknown {
  const mediaType = (contentType ?? "").split(";", 1)[0]?.trim().toLowerCase() ?? "";
  const claimsJson =
    mediaType === "" || mediaType === "application/json" || /^application\/.*\+json$/.test(mediaType);
  let body: unknown = raw;
  if (claimsJson && raw.length > 0) {
    try {
      body = JSON.parse(raw);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw validationError([
        {
          type: "json_invalid",
          loc: ["(tuple)", "body", 0],
          msg: "JSON decode error",
          input: {},
          ctx: { error: message },
        },
      ]);
    }
  }
  if (mediaType !== "application/json") {
    throw validationError(["Unsupported Media Type: Only 'application/json' is allowed"]);
  }
  if (raw.length === 0) {
    throw validationError([
      { type: "missing", loc: ["(tuple)", "body"], msg: "Field required", input: null },
    ]);
  }
  return body;
}
