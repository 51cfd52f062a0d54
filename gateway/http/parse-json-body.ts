import type { z } from "zod";
import { BadRequestError, UnsupportedMediaTypeError } from "../errors.ts";

/** Formats the first zod issue as `path: message` for a 400 that says what to fix. */
export function describeIssue(error: z.ZodError): { message: string; param: string | null } {
  const issue = error.issues[0];
  if (!issue) return { message: "Invalid request body.", param: null };
  const param = issue.path.length > 0 ? issue.path.join(".") : null;
  return { message: param ? `Invalid \`${param}\`: ${issue.message}` : issue.message, param };
}

/**
 * Reads a JSON request body and validates it. Wrong content type → 415, broken JSON or schema mismatch
 * → 400 naming the field.
 */
export async function parseJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.output<T>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
    throw new UnsupportedMediaTypeError("unsupported_content_type", "Send the body as application/json.");
  }
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    throw new BadRequestError("invalid_json", "The request body is not valid JSON.");
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const { message, param } = describeIssue(result.error);
    throw new BadRequestError("invalid_request", message, { param });
  }
  return result.data;
}
