/**
 * Field comparison for key-information extraction: exact match after normalising both sides the same way
 * (Unicode NFKC, upper-case, whitespace runs collapsed to one space, trimmed). "RM 9.00" ≠ "9.00": only
 * formatting noise is forgiven, not content.
 */
export function normalizeFieldValue(value: unknown): string {
  const text = typeof value === "string" ? value : value == null ? "" : JSON.stringify(value);
  return text.normalize("NFKC").toUpperCase().replace(/\s+/gu, " ").trim();
}

export function fieldsMatch(expected: unknown, actual: unknown): boolean {
  return normalizeFieldValue(expected) === normalizeFieldValue(actual);
}
