import { VllmError, validationError } from "./errors.ts";
import type { ChatRequestBody } from "./types.ts";
import type { VersionFeatures } from "./version.ts";

/** The constraint on the output that the emulated vLLM would enforce. */
export type OutputConstraint =
  | { kind: "json"; schema: unknown }
  | { kind: "choice"; choices: string[] }
  | { kind: "regex" | "grammar" };

const xgrammarUnsupportedKeywords = [
  "multipleOf",
  "uniqueItems",
  "contains",
  "minContains",
  "maxContains",
  "patternProperties",
  "propertyNames",
];
const xgrammarFormats = new Set([
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseSchema(schema: unknown): unknown {
  if (typeof schema !== "string") return schema;
  try {
    return JSON.parse(schema);
  } catch {
    throw new VllmError("Invalid JSON grammar specification.");
  }
}

/**
 * Finds the constraint of a request: `response_format` (every version), `structured_outputs` (0.11+),
 * `guided_*` (before 0.12; silently ignored from 0.12, as vLLM does).
 */
export function resolveConstraint(
  request: ChatRequestBody,
  features: VersionFeatures,
): OutputConstraint | undefined {
  const format = request.response_format;
  if (format?.type === "json_schema")
    return { kind: "json", schema: parseSchema(format.json_schema?.schema) };
  if (format?.type === "json_object") return { kind: "json", schema: undefined };
  if (features.structuredOutputsField && isRecord(request.structured_outputs)) {
    const params = request.structured_outputs;
    const given = ["json", "regex", "choice", "grammar", "json_object", "structural_tag"].filter(
      (key) => params[key] != null && params[key] !== false,
    );
    if (given.length > 1) {
      throw new VllmError(
        `You can only use one kind of structured outputs constraint but multiple are specified: ${given.join(", ")}`,
      );
    }
    const constraint = constraintOf(given[0], params);
    if (constraint !== undefined) return constraint;
  }
  if (features.guidedFieldsHonoured) {
    const given = ["guided_json", "guided_regex", "guided_choice", "guided_grammar"].filter(
      (key) => request[key] != null,
    );
    if (given.length > 1) {
      throw validationError([
        {
          type: "value_error",
          loc: ["(tuple)", "body"],
          msg: "Value error, You can only use one kind of guided decoding ('guided_json', 'guided_regex' or 'guided_choice').",
        },
      ]);
    }
    return constraintOf(given[0]?.replace("guided_", ""), {
      json: request.guided_json,
      regex: request.guided_regex,
      choice: request.guided_choice,
      grammar: request.guided_grammar,
    });
  }
  return undefined;
}

function constraintOf(
  key: string | undefined,
  params: Record<string, unknown>,
): OutputConstraint | undefined {
  if (key === "json") return { kind: "json", schema: parseSchema(params.json) };
  if (key === "json_object") return { kind: "json", schema: undefined };
  if (key === "choice") {
    const choices = params.choice;
    return { kind: "choice", choices: Array.isArray(choices) ? choices.map(String) : [] };
  }
  if (key === "regex" || key === "grammar") return { kind: key };
  return undefined;
}

/**
 * With `--structured-outputs-config.backend xgrammar`, schemas using features xgrammar lacks are a 400;
 * with "auto" (the default) vLLM falls back to guidance and accepts them.
 */
export function checkSchemaForBackend(
  constraint: OutputConstraint | undefined,
  backend: "auto" | "xgrammar",
): void {
  if (backend !== "xgrammar" || constraint?.kind !== "json" || constraint.schema === undefined) return;
  if (usesUnsupportedFeature(constraint.schema)) {
    throw new VllmError("The provided JSON schema contains features not supported by xgrammar.");
  }
}

const schemaMapKeywords = new Set(["properties", "$defs", "definitions", "dependentSchemas"]);
const schemaListKeywords = new Set(["anyOf", "oneOf", "allOf", "prefixItems"]);
const schemaValueKeywords = new Set(["items", "additionalProperties", "not", "if", "then", "else"]);

function usesUnsupportedFeature(node: unknown): boolean {
  if (!isRecord(node)) return false;
  if (xgrammarUnsupportedKeywords.some((keyword) => keyword in node)) return true;
  if (node.type === "string" && typeof node.format === "string" && !xgrammarFormats.has(node.format))
    return true;
  return Object.entries(node).some(([key, value]) => {
    if (schemaMapKeywords.has(key) && isRecord(value))
      return Object.values(value).some(usesUnsupportedFeature);
    if (schemaListKeywords.has(key) && Array.isArray(value)) return value.some(usesUnsupportedFeature);
    if (schemaValueKeywords.has(key)) return usesUnsupportedFeature(value);
    return false;
  });
}

/** Regex features xgrammar's regex converter cannot compile: lookaround and backreferences. */
const uncompilablePattern = /\(\?<?[=!]|\\[1-9]/;

/**
 * A schema that vLLM's admission check lets through but whose grammar fails to compile inside the engine
 * core, killing it (the engine compiles grammars asynchronously, after the request was accepted): here, a
 * `pattern` using lookaround or a backreference anywhere in the schema.
 */
export function isPoisonSchema(constraint: OutputConstraint | undefined): boolean {
  return constraint?.kind === "json" && hasUncompilablePattern(constraint.schema);
}

function hasUncompilablePattern(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasUncompilablePattern);
  if (!isRecord(node)) return false;
  if (typeof node.pattern === "string" && uncompilablePattern.test(node.pattern)) return true;
  return Object.values(node).some(hasUncompilablePattern);
}
