import { levenshtein, normalizeForCer } from "../eval/text-metrics.ts";

/** Longer texts are compared on their first this many characters: edit distance is quadratic. */
const MAX_COMPARED_CHARS = 8_000;

/**
 * How alike two model answers are, character by character: 1 − edit distance / length of the longer text,
 * after the CER normalisation (NFKC, upper case, whitespace removed). 1 = identical, 0 = nothing in common.
 */
export function textAgreement(a: string, b: string): number {
  const left = normalizeForCer(a).slice(0, MAX_COMPARED_CHARS);
  const right = normalizeForCer(b).slice(0, MAX_COMPARED_CHARS);
  const longer = Math.max(left.length, right.length);
  if (longer === 0) return 1;
  return 1 - levenshtein(left, right) / longer;
}

function normalizedValue(value: unknown): string {
  if (value == null) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.normalize("NFKC").trim().replace(/\s+/g, " ").toUpperCase();
}

/**
 * Per-key agreement of two `fields` answers: the share of keys (of either answer) whose values are equal
 * after normalisation (NFKC, whitespace collapsed, upper case). 1 when both are empty.
 */
export function fieldAgreement(
  a: Record<string, unknown> | null | undefined,
  b: Record<string, unknown> | null | undefined,
): number {
  const left = a ?? {};
  const right = b ?? {};
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  if (keys.size === 0) return 1;
  let equal = 0;
  for (const key of keys) if (normalizedValue(left[key]) === normalizedValue(right[key])) equal++;
  return equal / keys.size;
}
