// Builds a value that validates against a JSON schema, as the constrained model would produce.

type Schema = Record<string, unknown>;

const maxDepth = 8;

/** Sample values by property name, from the receipt the default answerer "reads". */
export const receiptFields: Record<string, string> = {
  company: "BOOK TA .K (TAMAN DAYA) SDN BHD",
  date: "25/12/2018",
  address: "NO.53 55,57 & 59, JALAN SAGU 18, TAMAN DAYA, 81100 JOHOR BAHRU, JOHOR.",
  total: "9.00",
};

const formatSamples: Record<string, string> = {
  date: "2018-12-25",
  "date-time": "2018-12-25T10:00:00Z",
  time: "10:00:00",
  duration: "P1D",
  email: "info@example.com",
  hostname: "example.com",
  ipv4: "127.0.0.1",
  ipv6: "::1",
  uuid: "00000000-0000-4000-8000-000000000000",
  uri: "https://example.com/",
  "uri-reference": "https://example.com/",
  "uri-template": "https://example.com/{id}",
  "json-pointer": "/a",
  "relative-json-pointer": "0",
};

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value valid against `schema` (patterns are not honoured); `root` resolves local `$ref`s. */
export function sampleFromSchema(schema: unknown, root: unknown = schema, name = "", depth = 0): unknown {
  if (schema === true || schema === undefined) return "sample";
  if (!isSchema(schema)) return null;
  const resolved = resolveRef(schema, root);
  if ("const" in resolved) return resolved.const;
  if (Array.isArray(resolved.enum)) return resolved.enum[0];
  const alternatives = (resolved.anyOf ?? resolved.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) {
    return sampleFromSchema(alternatives[0], root, name, depth + 1);
  }
  const merged = Array.isArray(resolved.allOf) ? mergeAll(resolved, root) : resolved;
  switch (typeOf(merged)) {
    case "object":
      return sampleObject(merged, root, depth);
    case "array":
      return sampleArray(merged, root, name, depth);
    case "string":
      return sampleString(merged, name);
    case "integer":
      return sampleNumber(merged, true);
    case "number":
      return sampleNumber(merged, false);
    case "boolean":
      return true;
    default:
      return null;
  }
}

function resolveRef(schema: Schema, root: unknown): Schema {
  const ref = schema.$ref;
  if (typeof ref !== "string" || !ref.startsWith("#")) return schema;
  let node: unknown = root;
  for (const segment of ref.slice(2).split("/").filter(Boolean)) {
    node = isSchema(node) ? node[segment.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return isSchema(node) ? resolveRef(node, root) : {};
}

function mergeAll(schema: Schema, root: unknown): Schema {
  const merged: Schema = { ...schema, allOf: undefined };
  for (const part of schema.allOf as unknown[]) {
    if (!isSchema(part)) continue;
    const resolved = resolveRef(part, root);
    Object.assign(merged, resolved, {
      properties: { ...(merged.properties as Schema), ...(resolved.properties as Schema) },
      required: [...((merged.required as string[]) ?? []), ...((resolved.required as string[]) ?? [])],
    });
  }
  return merged;
}

function typeOf(schema: Schema): string {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return String(type.find((t) => t !== "null") ?? "null");
  if (schema.properties !== undefined || schema.required !== undefined) return "object";
  if (schema.items !== undefined || schema.prefixItems !== undefined) return "array";
  return "string";
}

function sampleObject(schema: Schema, root: unknown, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const properties = isSchema(schema.properties) ? schema.properties : {};
  if (depth >= maxDepth) {
    for (const key of (schema.required as string[] | undefined) ?? []) result[key] = null;
    return result;
  }
  for (const [key, propertySchema] of Object.entries(properties)) {
    result[key] = sampleFromSchema(propertySchema, root, key, depth + 1);
  }
  for (const key of (schema.required as string[] | undefined) ?? []) {
    if (!(key in result)) result[key] = receiptFields[key] ?? "sample";
  }
  return result;
}

function sampleArray(schema: Schema, root: unknown, name: string, depth: number): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const items = prefix.map((item) => sampleFromSchema(item, root, name, depth + 1));
  const minItems = typeof schema.minItems === "number" ? schema.minItems : 0;
  const maxItems = typeof schema.maxItems === "number" ? schema.maxItems : Number.POSITIVE_INFINITY;
  const wanted = Math.min(
    maxItems,
    Math.max(minItems, schema.items === undefined || depth >= maxDepth ? 0 : 1),
  );
  while (items.length < wanted && schema.items !== false) {
    items.push(sampleFromSchema(schema.items, root, name, depth + 1));
  }
  return items;
}

function sampleString(schema: Schema, name: string): string {
  const format = typeof schema.format === "string" ? formatSamples[schema.format] : undefined;
  let value = format ?? receiptFields[name.toLowerCase()] ?? "sample";
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : Number.POSITIVE_INFINITY;
  if (value.length > maxLength) value = value.slice(0, maxLength);
  while (value.length < minLength) value += "x";
  return value;
}

function sampleNumber(schema: Schema, integer: boolean): number {
  const minimum = typeof schema.minimum === "number" ? schema.minimum : undefined;
  const exclusiveMinimum = typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum : undefined;
  const maximum = typeof schema.maximum === "number" ? schema.maximum : undefined;
  let value = 0;
  if (minimum !== undefined && value < minimum) value = minimum;
  if (exclusiveMinimum !== undefined && value <= exclusiveMinimum) value = exclusiveMinimum + 1;
  if (maximum !== undefined && value > maximum) value = maximum;
  return integer ? Math.ceil(value) : value;
}
