import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

/** A JSON Schema document (a JSON object). */
export type JsonSchema = Record<string, unknown>;

export type FieldsValidation = { valid: true } | { valid: false; errors: string[] };

const CACHE_LIMIT = 64;
// Each entry owns its Ajv instance: Ajv keeps every schema it compiled, so a shared instance would grow
// with every distinct caller schema; evicting the entry frees both.
const compiled = new Map<string, ValidateFunction>();

// ajv-formats is CommonJS; under NodeNext its default import is the module object on some toolchains.
const addFormats = (
  "default" in addFormatsModule ? addFormatsModule.default : addFormatsModule
) as typeof addFormatsModule.default;

/**
 * Compiles `schema` once (cached by its JSON text, at most 64 entries, least recently used evicted).
 * Throws Ajv's error when the schema is not valid JSON Schema (2020-12; `$schema` is ignored).
 */
export function compileJsonSchema(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  const hit = compiled.get(key);
  if (hit != null) {
    compiled.delete(key);
    compiled.set(key, hit);
    return hit;
  }
  const { $schema: _dialect, ...withoutDialect } = schema;
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  const validate = ajv.compile(withoutDialect);
  compiled.set(key, validate);
  if (compiled.size > CACHE_LIMIT) {
    const oldest = compiled.keys().next().value;
    if (oldest != null) compiled.delete(oldest);
  }
  return validate;
}

/** Ajv's own meta-schema check: returns readable problems (`/properties/a/type must be …`), empty if valid. */
export function metaSchemaProblems(schema: JsonSchema): string[] {
  const { $schema: _dialect, ...withoutDialect } = schema;
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  if (ajv.validateSchema(withoutDialect) === true) return [];
  return (ajv.errors ?? []).map(formatAjvError);
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
