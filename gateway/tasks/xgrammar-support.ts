import type { JsonSchema } from "./json-schema-validator.ts";

/** String formats xgrammar can enforce (vLLM's STRING_SUPPORTED_FORMATS). */
export const XGRAMMAR_STRING_FORMATS: ReadonlySet<string> = new Set([
  "email",
  "date",
  "time",
  "date-time",
  "duration",
  "ipv4",
  "ipv6",
  "hostname",
  "uuid",
  "uri",
  "uri-reference",
  "uri-template",
  "json-pointer",
  "relative-json-pointer",
]);

/** Keywords xgrammar rejects wherever they appear (vLLM answers 400 when xgrammar is the chosen backend). */
const UNSUPPORTED_KEYWORDS = [
  "multipleOf",
  "uniqueItems",
  "contains",
  "minContains",
  "maxContains",
  "patternProperties",
  "propertyNames",
] as const;

const SUBSCHEMA_MAPS = ["properties", "$defs", "definitions", "dependentSchemas"] as const;
const SUBSCHEMA_SINGLE = [
  "items",
  "additionalProperties",
  "additionalItems",
  "not",
  "if",
  "then",
  "else",
  "unevaluatedItems",
  "unevaluatedProperties",
] as const;
const SUBSCHEMA_ARRAYS = ["allOf", "anyOf", "oneOf", "prefixItems", "items"] as const;

/**
 * Regex features xgrammar's regex converter cannot compile. vLLM's admission check lets such a `pattern`
 * through, and the grammar then fails to compile inside the engine, which before 0.19 kills the engine and
 * every request it holds.
 */
const UNCOMPILABLE_PATTERN = /\(\?<?[=!]|\\[1-9]/;

export interface UnsupportedFeature {
  /** What is unsupported, e.g. `"uniqueItems"` or `format "ipv4-cidr"`. */
  feature: string;
  /** RFC 6901 pointer to the schema object holding it. */
  pointer: string;
}

/**
 * The first xgrammar-unsupported feature in `schema`, walking only real subschema positions (a property
 * *named* `format` is not the `format` keyword), or `undefined`.
 */
export function findXgrammarUnsupported(schema: JsonSchema, pointer = ""): UnsupportedFeature | undefined {
  for (const keyword of UNSUPPORTED_KEYWORDS) {
    if (keyword in schema) return { feature: `"${keyword}"`, pointer: `${pointer}/${keyword}` };
  }
  const format = schema.format;
  if (format != null && (typeof format !== "string" || !XGRAMMAR_STRING_FORMATS.has(format))) {
    return { feature: `string format ${JSON.stringify(format)}`, pointer: `${pointer}/format` };
  }
  if (typeof schema.pattern === "string" && UNCOMPILABLE_PATTERN.test(schema.pattern)) {
    return { feature: 'a lookaround or backreference in "pattern"', pointer: `${pointer}/pattern` };
  }
  // Newer vLLM rejects this pair: xgrammar compiles the pattern/format and silently drops the length bound.
  if (("pattern" in schema || "format" in schema) && ("minLength" in schema || "maxLength" in schema)) {
    const bound = "minLength" in schema ? "minLength" : "maxLength";
    return { feature: `"${bound}" together with "pattern" or "format"`, pointer: `${pointer}/${bound}` };
  }
  for (const [child, childPointer] of subschemas(schema, pointer)) {
    const found = findXgrammarUnsupported(child, childPointer);
    if (found != null) return found;
  }
  return undefined;
}

function* subschemas(schema: JsonSchema, pointer: string): Generator<[JsonSchema, string]> {
  for (const keyword of SUBSCHEMA_MAPS) {
    const map = schema[keyword];
    if (!isObject(map)) continue;
    for (const [name, child] of Object.entries(map)) {
      if (isObject(child)) yield [child, `${pointer}/${keyword}/${escapePointer(name)}`];
    }
  }
  for (const keyword of SUBSCHEMA_SINGLE) {
    const child = schema[keyword];
    if (isObject(child)) yield [child, `${pointer}/${keyword}`];
  }
  for (const keyword of SUBSCHEMA_ARRAYS) {
    const list = schema[keyword];
    if (!Array.isArray(list)) continue;
    for (const [index, child] of list.entries()) {
      if (isObject(child)) yield [child, `${pointer}/${keyword}/${index}`];
    }
  }
}

function isObject(value: unknown): value is JsonSchema {
  return value != null && typeof value === "object" && !Array.isArray(value);
}

function escapePointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}
