import type { Context } from "hono";
import type { z } from "zod";
import { BadRequestError, UnsupportedMediaTypeError } from "../errors.ts";
import { JsonTooDeepError, parseJsonBytes } from "../json/fast-json.ts";
import { validate } from "../json/validate.ts";
import { readRequestBody } from "./read-body.ts";

// Validation knows no HTTP (batch lines and the CLI use it too); re-exported for the routes.
export { describeIssue, validate } from "../json/validate.ts";

/** True for `application/json` and `application/*+json` content types. */
export function isJsonContentType(type: string | undefined): boolean {
  return /^application\/([\w.+-]*\+)?json\b/i.test(type ?? "");
}

/** 400 `json_too_deep` for a `JsonTooDeepError`; anything else passes through. */
export function jsonDepthError(error: unknown): unknown {
  if (!(error instanceof JsonTooDeepError)) return error;
  return new BadRequestError(
    "json_too_deep",
    `The JSON is nested deeper than ${error.maxDepth} levels of arrays and objects.`,
  );
}

/**
 * Parses JSON bytes (400 `invalid_json`, 400 `json_too_deep`) and validates them (400 `invalid_request`
 * naming the field).
 */
export function parseJson<T extends z.ZodType>(bytes: Uint8Array, schema: T): z.output<T> {
  let body: unknown;
  try {
    body = parseJsonBytes(bytes);
  } catch (error) {
    if (error instanceof JsonTooDeepError) throw jsonDepthError(error);
    throw new BadRequestError("invalid_json", "The request body is not valid JSON.");
  }
  return validate(body, schema);
}

/** Reads a JSON request body within `limit` bytes and validates it; other content types → 415. */
export async function parseJsonBody<T extends z.ZodType>(
  c: Context,
  schema: T,
  limit: number,
): Promise<z.output<T>> {
  if (!isJsonContentType(c.req.header("content-type"))) {
    throw new UnsupportedMediaTypeError("unsupported_content_type", "Send the body as application/json.");
  }
  return parseJson(await readRequestBody(c, limit), schema);
}
