import { BadRequestError } from "../errors.ts";
import { parseJsonText } from "../json/fast-json.ts";
import { isArchiveFormat } from "../output-formats/output-format.ts";
import { checkSchemaSupported, normaliseAnnotationFormat, type TaskDefinition } from "../tasks/index.ts";
import type { TaskOptions } from "./ocr-backend.ts";
import { type OcrRequest, VARIABLE_FIELDS } from "./ocr-request.ts";

/**
 * The task to run: the one named, else field extraction when keys or a schema were given, else `spotting`
 * when an archive output format (which needs line boxes) was asked for, else `document`
 * for Mistral-style JSON (Mistral OCR answers Markdown with tables and figure regions) and `text` for
 * multipart uploads (the seed's behaviour).
 */
export function requestedTaskName(request: OcrRequest, shape: "multipart" | "json" = "multipart"): string {
  if (request.task != null) return request.task;
  const wantsFields =
    request.fields != null || request.schema != null || request.document_annotation_format != null;
  if (wantsFields) return "fields";
  if (isArchiveFormat(request.output_format)) return "spotting";
  return shape === "json" ? "document" : "text";
}

function parseSchemaField(schema: OcrRequest["schema"]): Record<string, unknown> | undefined {
  if (schema == null) return undefined;
  if (typeof schema !== "string") return schema;
  try {
    const parsed: unknown = parseJsonText(schema);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new BadRequestError("invalid_schema", "`schema` must be a JSON Schema object.", { param: "schema" });
}

/**
 * Collects what the caller asked of `task`: its variables (from `variables` and the top-level fields the
 * task declares), the JSON schema (`schema` or Mistral's `document_annotation_format`) and output options.
 * A top-level option the task does not take (e.g. `fields` for `text`) is a 400, not silently dropped;
 * `table_format` is ignored by tasks without tables, as Mistral clients send it by default.
 */
export function taskOptionsFrom(request: OcrRequest, task: TaskDefinition): TaskOptions {
  const declared = new Set(task.variables.map((variable) => variable.name));
  const variables: Record<string, unknown> = { ...request.variables };
  for (const name of VARIABLE_FIELDS) {
    const value = request[name];
    if (value == null) continue;
    if (declared.has(name)) variables[name] = value;
    else if (name !== "table_format") {
      throw new BadRequestError("unknown_variable", `Task "${task.name}" does not take \`${name}\`.`, {
        param: name,
      });
    }
  }
  const annotation = normaliseAnnotationFormat(request.document_annotation_format);
  const given = parseSchemaField(request.schema);
  const schema = given ? checkSchemaSupported(given) : annotation?.schema;
  return {
    language: request.language,
    variables,
    schema,
    schemaName: annotation?.name,
    tableFormat: request.table_format ?? undefined,
    maxTokens: request.max_tokens,
    includeImageBase64: request.include_image_base64 === true,
  };
}

/**
 * Archive output formats place words by their boxes, so they need the spotting task, and they are whole
 * files, so they cannot stream: both are the caller's mistake, answered before any model time is spent.
 * `rendered`: the caller writes the file (`/v1/ocr`, jobs, batch lines); elsewhere the format is refused.
 */
export function checkOutputFormat(request: OcrRequest, task: TaskDefinition, rendered: boolean): void {
  if (!isArchiveFormat(request.output_format)) return;
  if (!rendered) {
    throw new BadRequestError(
      "output_format_not_supported_here",
      `\`output_format: ${request.output_format}\` is not answered here: use POST /v1/ocr, POST /v1/ocr/jobs, a batch of /v1/ocr lines or \`ocr-gateway batch --format\`.`,
      { param: "output_format" },
    );
  }
  if (task.parser !== "spotting") {
    throw new BadRequestError(
      "incompatible_output_format",
      `\`output_format: ${request.output_format}\` needs text positions: use task \`spotting\` (the default with it), not "${task.name}".`,
      { param: "output_format" },
    );
  }
  if (request.stream === true) {
    throw new BadRequestError(
      "incompatible_output_format",
      `\`output_format: ${request.output_format}\` is a whole file and cannot be streamed: leave out \`stream\`.`,
      { param: "stream" },
    );
  }
}
