import { BadRequestError } from "../errors.ts";
import type { TaskVariable } from "./task-file-schema.ts";

export type VariableValue = string | string[];

// Control characters would let a value break out of the one-line official prompt.
const CONTROL_CHARS = /\p{Cc}/u;

/**
 * Checks caller-supplied variables against the task's declarations and fills defaults. Throws
 * BadRequestError with `param` = the variable name: `unknown_variable`, `missing_variable`,
 * `invalid_variable`, or an enum's own `error_code` (e.g. `unsupported_target_language`).
 */
export function resolveVariables(
  taskName: string,
  declared: readonly TaskVariable[],
  given: Readonly<Record<string, unknown>>,
): Record<string, VariableValue> {
  const byName = new Map(declared.map((variable) => [variable.name, variable]));
  for (const name of Object.keys(given)) {
    if (!byName.has(name) && given[name] != null) {
      const known = declared.map((variable) => variable.name).join(", ") || "none";
      throw new BadRequestError(
        "unknown_variable",
        `Task "${taskName}" has no variable "${name}" (its variables: ${known}).`,
        { param: name },
      );
    }
  }
  const resolved: Record<string, VariableValue> = {};
  for (const variable of declared) {
    const value = given[variable.name];
    if (value == null) {
      if (variable.default != null) resolved[variable.name] = variable.default;
      else if (variable.required) {
        throw new BadRequestError("missing_variable", `Task "${taskName}" needs "${variable.name}".`, {
          param: variable.name,
        });
      }
      continue;
    }
    resolved[variable.name] = checkValue(variable, value);
  }
  return resolved;
}

function checkValue(variable: TaskVariable, value: unknown): VariableValue {
  const invalid = (message: string, code = "invalid_variable"): never => {
    throw new BadRequestError(code, `"${variable.name}" ${message}`, { param: variable.name });
  };
  switch (variable.type) {
    case "string": {
      if (typeof value !== "string") return invalid("must be a string.");
      return checkText(value, variable.max_length, invalid);
    }
    case "string_list": {
      if (!Array.isArray(value)) return invalid("must be an array of strings.");
      if (value.length < variable.min_items || value.length > variable.max_items) {
        return invalid(
          `must have ${variable.min_items} to ${variable.max_items} items, got ${value.length}.`,
        );
      }
      const items = value.map((item) =>
        typeof item === "string"
          ? checkText(item, variable.max_length, invalid)
          : invalid("must contain only strings."),
      );
      const duplicate = items.find((item, index) => items.indexOf(item) !== index);
      if (duplicate != null) invalid(`lists "${duplicate}" twice.`);
      return items;
    }
    case "enum": {
      if (typeof value !== "string") return invalid(`must be one of: ${variable.values.join(", ")}.`);
      const wanted = value.trim().toLowerCase();
      const aliases = new Map(
        Object.entries(variable.value_aliases).map(([alias, target]) => [alias.toLowerCase(), target]),
      );
      const match =
        variable.values.find((allowed) => allowed.toLowerCase() === wanted) ?? aliases.get(wanted);
      if (match == null) {
        return invalid(
          `"${value}" is not supported; use one of: ${variable.values.join(", ")}.`,
          variable.error_code,
        );
      }
      return match;
    }
  }
}

function checkText(value: string, maxLength: number, invalid: (message: string) => never): string {
  const text = value.trim();
  if (text === "") invalid("must not be empty.");
  if (text.length > maxLength) invalid(`must be at most ${maxLength} characters.`);
  if (CONTROL_CHARS.test(text)) invalid("must not contain line breaks or control characters.");
  return text;
}
