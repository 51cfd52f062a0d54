import { BadRequestError } from "../errors.ts";
import { checkSchemaSupported, type JsonSchema, schemaFromKeys } from "./field-schema.ts";
import { resolveVariables, type VariableValue } from "./resolve-variables.ts";
import type { TaskDefinition } from "./task-registry.ts";

export interface TaskInputs {
  variables: Record<string, VariableValue>;
  /** Structured-output tasks: the schema the answer must match (the caller's, or built from the keys). */
  schema?: JsonSchema;
}

function schemaKeys(schema: JsonSchema): string[] | undefined {
  const properties = schema.properties;
  if (properties == null || typeof properties !== "object" || Array.isArray(properties)) return undefined;
  const keys = Object.keys(properties);
  return keys.length > 0 ? keys : undefined;
}

function checkKeysInSchema(keys: readonly string[], schema: JsonSchema, param: string): void {
  const known = schemaKeys(schema) ?? [];
  const missing = keys.filter((key) => !known.includes(key));
  if (missing.length > 0) {
    throw new BadRequestError(
      "fields_schema_mismatch",
      `Fields ${missing.map((key) => `"${key}"`).join(", ")} are not properties of the JSON schema.`,
      { param },
    );
  }
}

/**
 * Checks what a caller gave a task, whatever backend serves it: the variables against their declarations
 * (defaults filled), and the JSON schema, which only structured-output tasks take and which must be one
 * vLLM's grammar engine honours (422). Structured-output tasks take their keys from the schema's
 * `properties` when none were given, and keys given must be properties of the schema.
 */
export function resolveTaskInputs(
  task: TaskDefinition,
  options: { variables?: Readonly<Record<string, unknown>> | undefined; schema?: JsonSchema | undefined },
): TaskInputs {
  if (!task.structuredOutput && options.schema != null) {
    throw new BadRequestError("schema_not_supported", `Task "${task.name}" does not take a JSON schema.`, {
      param: "schema",
    });
  }
  const callerSchema = options.schema != null ? checkSchemaSupported(options.schema) : undefined;
  const given = { ...(options.variables ?? {}) };
  const keysVariable = task.structuredOutput
    ? task.variables.find((v) => v.type === "string_list")
    : undefined;
  if (keysVariable != null && given[keysVariable.name] == null && callerSchema != null) {
    given[keysVariable.name] = schemaKeys(callerSchema);
  }
  const variables = resolveVariables(task.name, task.variables, given);
  if (keysVariable == null) return { variables };
  const keys = variables[keysVariable.name];
  const schema = callerSchema ?? checkSchemaSupported(schemaFromKeys(Array.isArray(keys) ? keys : []));
  if (callerSchema != null && Array.isArray(keys)) checkKeysInSchema(keys, schema, keysVariable.name);
  return { variables, schema };
}
