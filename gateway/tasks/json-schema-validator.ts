import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

/** A JSON Schema document (a JSON object). */
export type JsonSchema = Record<string, unknown>;

export type FieldsValidation = { valid: true } | { valid: false; errors: string[] };

const CACHE_LIMIT = 64;
const compiled = new Map<string, { source: JsonSchema; validate: ValidateFunction }>();
let sharedAjv: Ajv2020 | undefined;

// ajv-formats is CommonJS; under NodeNext its default import is the module object on some toolchains.
const addFormats = (
  "default" in addFormatsModule ? addFormatsModule.default : addFormatsModule
) as typeof addFormatsModule.default;

// Building an Ajv instance compiles its meta-schemas (tens of ms), so one instance serves every schema;
// evicted schemas are removed from it so that distinct caller schemas do not pile up.
function ajv(): Ajv2020 {
  if (sharedAjv == null) {
    sharedAjv = new Ajv2020({ strict: false, allErrors: true, logger: false });
    addFormats(sharedAjv);
  }
  return sharedAjv;
}

/**
 * Compiles `schema` once (cached by its JSON text, at most 64 entries, least recently used evicted).
 * Throws Ajv's error when the schema cannot be compiled. `$schema` and `$id` are ignored (2020-12 rules;
 * two callers using the same `$id` for different schemas must not clash).
 */
export function compileJsonSchema(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit != null) {
    compiled.delete(key);
    compiled.set(key, hit);
    return hit.validate;
  }
  const source = withoutDialectAndId(schema);
  const validate = ajv().compile(source);
  compiled.set(key, { source, validate });
  if (compiled.size > CACHE_LIMIT) {
    const [oldestKey, oldest] = compiled.entries().next().value ?? [];
    if (oldestKey != null && oldest != null) {
      compiled.delete(oldestKey);
      ajv().removeSchema(oldest.source);
    }
  }
  return validate;
}

/** Ajv's own meta-schema check: returns readable problems (`/properties/a/type must be …`), empty if valid. */
export function metaSchemaProblems(schema: JsonSchema): string[] {
  const instance = ajv();
  if (instance.validateSchema(withoutDialectAndId(schema)) === true) return [];
  return (instance.errors ?? []).map(formatAjvError);
}

function withoutDialectAndId(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * Checks extracted fields against `schema`. Errors are readable strings such as
 * `/total: must be string` or `(root): must have required property 'date'`.
 */
export function validateFields(schema: JsonSchema, value: unknown): FieldsValidation {
  const validate = compileJsonSchema(schema);
  if (validate(value) === true) return { valid: true };
  return { valid: false, errors: (validate.errors ?? []).map(formatAjvError) };
}

function formatAjvError(error: ErrorObject): string {
  const where = error.instancePath === "" ? "(root)" : error.instancePath;
  const extra = "additionalProperty" in error.params ? ` ('${String(error.params.additionalProperty)}')` : "";
  return `${where}: ${error.message ?? "is invalid"}${extra}`;
}
