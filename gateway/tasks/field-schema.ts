import { BadRequestError, UnprocessableEntityError } from "../errors.ts";
import { compileJsonSchema, type JsonSchema, metaSchemaProblems } from "./json-schema-validator.ts";
import { findXgrammarUnsupported } from "./xgrammar-support.ts";

export type { JsonSchema } from "./json-schema-validator.ts";

/** How the structured-output constraint is sent to vLLM (see notes/vllm-api.md). */
export type StructuredOutputMode = "response_format" | "structured_outputs" | "guided_json";

const MAX_SCHEMA_CHARS = 100_000;

/**
 * The schema used when the caller gives only keys: an object whose keys are all required strings, nothing
 * else allowed. `nullable` lets a key be `null` (off by default: the model was trained to answer strings).
 */
export function schemaFromKeys(keys: readonly string[], { nullable = false } = {}): JsonSchema {
  const value = nullable ? { type: ["string", "null"] } : { type: "string" };
  return {
    type: "object",
    properties: Object.fromEntries(keys.map((key) => [key, { ...value }])),
    required: [...keys],
    additionalProperties: false,
  };
}

/**
 * Throws UnprocessableEntityError `unsupported_schema` (param `schema`) naming the problem and its JSON
 * pointer when `schema` is not a JSON object (with root `type: "object"` unless `objectRoot` is false), is
 * not valid JSON Schema, or uses a feature vLLM's grammar backends reject or that would crash the engine.
 * Returns the schema typed on success.
 */
export function checkSchemaSupported(
  schema: unknown,
  param = "schema",
  { objectRoot = true }: { objectRoot?: boolean } = {},
): JsonSchema {
  const fail = (message: string): never => {
    throw new UnprocessableEntityError("unsupported_schema", message, { param });
  };
  if (schema == null || typeof schema !== "object" || Array.isArray(schema)) {
    return fail("The JSON schema must be a JSON object.");
  }
  const object = schema as JsonSchema;
  if (JSON.stringify(object).length > MAX_SCHEMA_CHARS) {
    fail(`The JSON schema is larger than ${MAX_SCHEMA_CHARS} characters.`);
  }
  if (objectRoot && object.type !== "object") {
    fail(
      `The schema's root must have "type": "object" (at /type), got ${JSON.stringify(object.type ?? null)}.`,
    );
  }
  const problems = metaSchemaProblems(object);
  if (problems.length > 0) fail(`The schema is not valid JSON Schema: ${problems.slice(0, 5).join("; ")}.`);
  const unsupported = findXgrammarUnsupported(object);
  if (unsupported != null) {
    fail(
      `The schema uses ${unsupported.feature} at ${unsupported.pointer}, which vLLM's xgrammar backend does not support.`,
    );
  }
  try {
    compileJsonSchema(object);
  } catch (error) {
    fail(`The schema cannot be compiled: ${error instanceof Error ? error.message : String(error)}.`);
  }
  return object;
}

/** The OpenAI/vLLM `response_format` for `schema`. */
export function toResponseFormat(schema: JsonSchema, name = "fields") {
  return { type: "json_schema" as const, json_schema: { name: toSchemaName(name), schema, strict: true } };
}

/**
 * Request fields to merge into the vLLM chat request so the answer follows `schema`:
 * `response_format` (every vLLM version; default), `structured_outputs` (≥ 0.11) or `guided_json` (≤ 0.11
 * only: 0.12+ silently ignores it, so validate answers anyway).
 */
export function structuredOutputFields(
  schema: JsonSchema,
  mode: StructuredOutputMode = "response_format",
  name = "fields",
): Record<string, unknown> {
  switch (mode) {
    case "response_format":
      return { response_format: toResponseFormat(schema, name) };
    case "structured_outputs":
      return { structured_outputs: { json: schema } };
    case "guided_json":
      return { guided_json: schema };
  }
}

export interface NormalisedSchema {
  name?: string;
  schema: JsonSchema;
}

/**
 * Reads a Mistral `document_annotation_format` / OpenAI `response_format`
 * (`{type: "json_schema", json_schema: {name?, schema, strict?}}`; `schema_definition` accepted too).
 * `{type: "text"}` or an absent value gives `undefined`; `json_object` or a malformed shape is a 400.
 * The schema itself is checked with `checkSchemaSupported`.
 */
export function normaliseAnnotationFormat(
  input: unknown,
  param = "document_annotation_format",
): NormalisedSchema | undefined {
  if (input == null) return undefined;
  if (typeof input !== "object" || Array.isArray(input)) {
    throw new BadRequestError("invalid_response_format", `${param} must be an object.`, { param });
  }
  const format = input as Record<string, unknown>;
  const type = format.type ?? (format.json_schema != null ? "json_schema" : "text");
  if (type === "text") return undefined;
  if (type !== "json_schema") {
    throw new BadRequestError(
      "invalid_response_format",
      `${param}.type must be "json_schema" (or "text"); "${String(type)}" gives no schema to extract fields with.`,
      { param: `${param}.type` },
    );
  }
  const jsonSchema = format.json_schema;
  if (jsonSchema == null || typeof jsonSchema !== "object" || Array.isArray(jsonSchema)) {
    throw new BadRequestError("invalid_response_format", `${param}.json_schema must be an object.`, {
      param: `${param}.json_schema`,
    });
  }
  const { name, schema, schema_definition: schemaDefinition } = jsonSchema as Record<string, unknown>;
  const checked = checkSchemaSupported(schema ?? schemaDefinition, `${param}.json_schema.schema`);
  return typeof name === "string" && name !== "" ? { name, schema: checked } : { schema: checked };
}

/** OpenAI limits `json_schema.name` to 64 characters of `[A-Za-z0-9_-]`. */
function toSchemaName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
  return cleaned === "" ? "fields" : cleaned;
}
