import { findBalanced, firstFencedBlock, parsePythonLiteral } from "./json-extract.ts";

export type FieldsParseResult =
  | { ok: true; value: Record<string, unknown>; warnings: string[] }
  | { ok: false; error: string };

/**
 * Reads the JSON object of a field-extraction answer: raw JSON, a ```json fenced block, JSON inside prose
 * (the first balanced `{…}`), or a Python-style dict with single quotes. Failure is a result, not an
 * exception: `error` says what was wrong, for the route's retry or its 502/422.
 */
export function parseFieldsOutput(output: string): FieldsParseResult {
  const text = output.trim();
  if (text === "") return { ok: false, error: "the model returned an empty answer" };
  const candidates: [string, string | undefined][] = [[text, undefined]];
  const fenced = firstFencedBlock(text);
  if (fenced != null) candidates.push([fenced.trim(), "the JSON was inside a code fence"]);
  const span = findBalanced(text, "{");
  if (span != null)
    candidates.push([text.slice(span.start, span.end), "text around the JSON object was ignored"]);

  for (const [candidate, note] of candidates) {
    const parsed = tryJson(candidate);
    if (parsed !== undefined) return asObject(parsed, note);
  }
  for (const [candidate] of candidates) {
    const parsed = parsePythonLiteral(candidate);
    if (parsed !== undefined) return asObject(parsed, "the answer was a Python-style dict");
  }
  const preview = text.length > 120 ? `${text.slice(0, 117)}...` : text;
  return {
    ok: false,
    error:
      span == null
        ? `no JSON object in the model output: ${preview}`
        : `invalid JSON in the model output: ${preview}`,
  };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asObject(value: unknown, note: string | undefined): FieldsParseResult {
  if (value == null || typeof value !== "object" || Array.isArray(value)) {
    return {
      ok: false,
      error: `the model output is JSON but not an object (got ${Array.isArray(value) ? "an array" : typeof value})`,
    };
  }
  return { ok: true, value: value as Record<string, unknown>, warnings: note == null ? [] : [note] };
}
