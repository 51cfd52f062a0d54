import type { Context } from "hono";
import { BadRequestError, UnsupportedMediaTypeError } from "../errors.ts";
import { JsonTooDeepError, parseJsonText } from "../json/fast-json.ts";
import { documentSource, type OcrInput } from "../ocr/ocr-input.ts";
import { ocrRequestSchema } from "../ocr/ocr-request.ts";
import { isJsonContentType, jsonDepthError, parseJson, validate } from "./parse-json-body.ts";
import { readRequestBody } from "./read-body.ts";

const BOOLEAN_FIELDS = new Set(["stream", "include_image_base64"]);
const NUMBER_FIELDS = new Set(["max_tokens"]);
// `schema` is not here: it stays a string so that a malformed one gets the same `invalid_schema` 400 as in JSON.
const JSON_FIELDS = new Set(["variables", "document_annotation_format"]);

/** A form value as the JSON request would hold it: booleans, numbers, JSON objects and lists parsed. */
function fromFormValue(name: string, value: string): unknown {
  if (BOOLEAN_FIELDS.has(name)) return ["true", "1", "yes", "on"].includes(value.toLowerCase());
  if (NUMBER_FIELDS.has(name)) return Number(value);
  const looksJson = /^\s*[[{]/.test(value);
  if (
    JSON_FIELDS.has(name) ||
    ((name === "fields" || name === "pages" || name === "timestamps") && looksJson)
  ) {
    try {
      return parseJsonText(value);
    } catch (error) {
      if (error instanceof JsonTooDeepError) throw jsonDepthError(error);
      throw new BadRequestError("invalid_request", `Form field \`${name}\` is not valid JSON.`, {
        param: name,
      });
    }
  }
  if (name === "fields") {
    return value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  }
  return value;
}

async function readMultipart(c: Context, limit: number): Promise<OcrInput> {
  const bytes = await readRequestBody(c, limit);
  let form: FormData;
  try {
    form = await new Request("http://local/", {
      method: "POST",
      headers: { "content-type": c.req.header("content-type") ?? "" },
      body: new Blob([new Uint8Array(bytes)]),
    }).formData();
  } catch {
    throw new BadRequestError("invalid_multipart", "The multipart body could not be parsed.");
  }
  const fields: Record<string, unknown> = {};
  let file: File | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === "string") fields[name] = fromFormValue(name, value);
    else if (name === "file" || name === "document") file = value;
  }
  const request = validate(fields, ocrRequestSchema);
  if (file) {
    return {
      request,
      source: { kind: "upload", bytes: Buffer.from(await file.arrayBuffer()), name: file.name || undefined },
      shape: "multipart",
    };
  }
  if (request.document) return { request, source: documentSource(request), shape: "multipart" };
  throw new BadRequestError("missing_file", "Send the document as a `file` form field.", { param: "file" });
}

/**
 * Reads a `/v1/ocr` request in either shape: `multipart/form-data` (a `file` plus form fields, as the seed's
 * Python client sends) or Mistral-style JSON. Both become the same validated `OcrRequest`.
 */
export async function readOcrInput(c: Context, limit: number): Promise<OcrInput> {
  const type = c.req.header("content-type") ?? "";
  if (/^multipart\/form-data/i.test(type)) return readMultipart(c, limit);
  if (isJsonContentType(type)) {
    const request = parseJson(await readRequestBody(c, limit), ocrRequestSchema);
    return { request, source: documentSource(request), shape: "json" };
  }
  throw new UnsupportedMediaTypeError(
    "unsupported_content_type",
    "Send multipart/form-data with a `file` field, or application/json with a `document`.",
  );
}
