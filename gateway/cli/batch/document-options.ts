import { createHash } from "node:crypto";
import { z } from "zod";
import { validate } from "../../http/parse-json-body.ts";
import { type OcrRequest, ocrRequestSchema } from "../../ocr/ocr-request.ts";

/**
 * The `/v1/ocr` options a batch may set, globally (`--task …`) or per manifest line. Values are kept as the
 * multipart form would carry them (strings), so the in-process and `--server` runners read them identically.
 */
export const DOCUMENT_OPTION_NAMES = [
  "task",
  "language",
  "pages",
  "fields",
  "schema",
  "table_format",
  "target_language",
  "key",
  "max_tokens",
] as const;

export type DocumentOptionName = (typeof DOCUMENT_OPTION_NAMES)[number];
export type DocumentOptions = Partial<Record<DocumentOptionName, string>>;

/** A manifest value as the form field would carry it: lists and objects as JSON, numbers as digits. */
const optionValue = z.preprocess(
  (value) =>
    value == null || value === "" ? undefined : typeof value === "string" ? value : JSON.stringify(value),
  z.string().optional(),
);

/** The options of a manifest line (other columns ignored). */
export const documentOptionsSchema = z.object(
  Object.fromEntries(DOCUMENT_OPTION_NAMES.map((name) => [name, optionValue])) as unknown as Record<
    DocumentOptionName,
    typeof optionValue
  >,
);

/** Options of a manifest line over those of the command line; unset values do not override. */
export function mergeOptions(base: DocumentOptions, override: DocumentOptions): DocumentOptions {
  const merged: DocumentOptions = { ...base };
  for (const name of DOCUMENT_OPTION_NAMES) {
    const value = override[name];
    if (value != null) merged[name] = value;
  }
  return merged;
}

/** A short stable digest of the options: a document is done only for the options it was read with. */
export function optionsDigest(options: DocumentOptions): string {
  const canonical = DOCUMENT_OPTION_NAMES.filter((name) => options[name] != null).map((name) => [
    name,
    options[name],
  ]);
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex").slice(0, 16);
}

function parseJsonOption(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * The options as the validated `OcrRequest` the route builds from the same form fields (lists and numbers
 * parsed); a bad value throws the route's 400.
 */
export function toOcrRequest(options: DocumentOptions): OcrRequest {
  const request: Record<string, unknown> = {};
  for (const name of DOCUMENT_OPTION_NAMES) {
    const value = options[name];
    if (value == null) continue;
    if (name === "max_tokens") request[name] = Number(value);
    else if (name === "fields" && !/^\s*\[/.test(value))
      request[name] = value
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean);
    else if (name === "fields" || (name === "pages" && /^\s*\[/.test(value)))
      request[name] = parseJsonOption(value);
    else request[name] = value;
  }
  return validate(request, ocrRequestSchema);
}
