import { BadRequestError } from "../errors.ts";
import { parseJsonText } from "../json/fast-json.ts";
import { checkSchemaSupported } from "../tasks/index.ts";
import type { ChatRequest } from "./chat-request.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return value != null && typeof value === "object" && !Array.isArray(value);
}

/** `structured_outputs.json` and `guided_json` may be a JSON string or an object, as vLLM takes them. */
function parsedSchema(value: unknown, param: string): unknown {
  if (typeof value !== "string") return value;
  try {
    return parseJsonText(value);
  } catch {
    throw new BadRequestError("invalid_schema", `\`${param}\` is not valid JSON.`, { param });
  }
}

/** The JSON schemas a chat request asks vLLM to enforce, with the request field each came from. */
function requestedSchemas(request: ChatRequest): Array<[unknown, string]> {
  const schemas: Array<[unknown, string]> = [];
  const format = request.response_format;
  if (isRecord(format) && format.type === "json_schema" && isRecord(format.json_schema)) {
    const schema = format.json_schema.schema;
    const param = "response_format.json_schema.schema";
    if (typeof schema === "string") {
      // vLLM refuses it too (400), with a pydantic message that does not say what to do.
      throw new BadRequestError("invalid_schema", `\`${param}\` must be a JSON object, not a string.`, {
        param,
      });
    }
    if (schema != null) schemas.push([schema, param]);
  }
  const structured = request.structured_outputs;
  if (isRecord(structured) && structured.json != null) {
    schemas.push([parsedSchema(structured.json, "structured_outputs.json"), "structured_outputs.json"]);
  }
  if (request.guided_json != null)
    schemas.push([parsedSchema(request.guided_json, "guided_json"), "guided_json"]);
  return schemas;
}

/**
 * Puts the structured-output schemas of a passthrough chat request through the same support check as the
 * `fields` task (any root type allowed): 422 `unsupported_schema` before vLLM sees it. A schema vLLM's grammar
 * backend cannot handle is a 400 at best and, for some, a crashed engine.
 */
export function assertChatSchemasSupported(request: ChatRequest): void {
  for (const [schema, param] of requestedSchemas(request)) {
    checkSchemaSupported(schema, param, { objectRoot: false });
  }
}
