import { z } from "zod";
import type { BatchEndpoint, BatchInputError } from "./batch-record.ts";

/** One request of a batch, as read from its JSONL input file. */
export interface BatchInputLine {
  /** 0-based position among the requests (the order of the output file). */
  index: number;
  custom_id: string;
  body: Record<string, unknown>;
}

export type ParsedBatchInput =
  | { ok: true; lines: BatchInputLine[] }
  | { ok: false; errors: BatchInputError[] };

export interface BatchInputOptions {
  endpoint: BatchEndpoint;
  maxLines: number;
  /** OpenAI requires `custom_id`, `method` and `url` on every line; Mistral only `body` (ids default to the line number). */
  format: "openai" | "mistral";
}

const lineSchema = z.object({
  custom_id: z.string().min(1).max(512).optional(),
  method: z.string().optional(),
  url: z.string().optional(),
  body: z.record(z.string(), z.unknown()),
});

/** At most this many problems are reported: enough to fix a file, not a 50,000-entry error list. */
const MAX_REPORTED_ERRORS = 100;

function lineProblem(
  line: z.infer<typeof lineSchema>,
  options: BatchInputOptions,
  seen: ReadonlySet<string>,
): Omit<BatchInputError, "line"> | null {
  if (options.format === "openai") {
    if (line.custom_id == null)
      return { code: "missing_required_parameter", message: "`custom_id` is required.", param: "custom_id" };
    if (line.method == null || line.url == null) {
      const param = line.method == null ? "method" : "url";
      return { code: "missing_required_parameter", message: `\`${param}\` is required.`, param };
    }
  }
  if (line.method != null && line.method.toUpperCase() !== "POST")
    return { code: "invalid_method", message: "Only POST requests can be batched.", param: "method" };
  if (line.url != null && line.url !== options.endpoint) {
    return {
      code: "mismatched_endpoint",
      message: `The line's url ${line.url} differs from the batch's endpoint ${options.endpoint}.`,
      param: "url",
    };
  }
  if (line.custom_id != null && seen.has(line.custom_id)) {
    return {
      code: "duplicate_custom_id",
      message: `custom_id ${line.custom_id} is used more than once.`,
      param: "custom_id",
    };
  }
  return null;
}

/**
 * Reads and checks a batch input file (JSON Lines): every non-blank line an object with a `body`, unique
 * `custom_id`s, `url` equal to the batch's endpoint. A file with any such problem is refused as a whole (the
 * batch fails with `errors`, as OpenAI does); what a body asks for is checked when the line runs, by the same
 * code as the synchronous route, and a bad body fails only its line.
 */
export function parseBatchInput(text: string, options: BatchInputOptions): ParsedBatchInput {
  const lines: BatchInputLine[] = [];
  const errors: BatchInputError[] = [];
  const seen = new Set<string>();
  const rows = text.split("\n");
  for (let number = 1; number <= rows.length && errors.length < MAX_REPORTED_ERRORS; number++) {
    const row = rows[number - 1]?.trim() ?? "";
    if (row === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch {
      errors.push({
        code: "invalid_json_line",
        message: "The line is not valid JSON.",
        line: number,
        param: null,
      });
      continue;
    }
    const parsed = lineSchema.safeParse(value);
    if (!parsed.success) {
      const param = parsed.error.issues[0]?.path.join(".") || null;
      const message = `Invalid line: ${param ?? "the line"} ${parsed.error.issues[0]?.message ?? ""}`.trim();
      errors.push({ code: "invalid_request", message, line: number, param });
      continue;
    }
    const problem = lineProblem(parsed.data, options, seen);
    if (problem) {
      errors.push({ ...problem, line: number });
      continue;
    }
    const customId = parsed.data.custom_id ?? String(lines.length);
    seen.add(customId);
    lines.push({ index: lines.length, custom_id: customId, body: parsed.data.body });
  }
  if (errors.length === 0 && lines.length === 0) {
    errors.push({ code: "empty_file", message: "The input file has no requests.", line: null, param: null });
  }
  if (errors.length === 0 && lines.length > options.maxLines) {
    errors.push({
      code: "too_many_requests",
      message: `The input file has ${lines.length} requests; the limit is ${options.maxLines}.`,
      line: null,
      param: null,
    });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, lines };
}
