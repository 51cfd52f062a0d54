import type { z } from "zod";
import { BadRequestError } from "../errors.ts";

/** Formats the first zod issue as `path: message` for a 400 that says what to fix. */
export function describeIssue(error: z.ZodError): { message: string; param: string | null } {
  const issue = error.issues[0];
  if (!issue) return { message: "Invalid request body.", param: null };
  const param = issue.path.length > 0 ? issue.path.join(".") : null;
  return { message: param ? `Invalid \`${param}\`: ${issue.message}` : issue.message, param };
}

/** Validates a parsed value; a mismatch is a 400 `invalid_request` naming the field. */
export function validate<T extends z.ZodType>(body: unknown, schema: T): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    const { message, param } = describeIssue(result.error);
    throw new BadRequestError("invalid_request", message, { param });
  }
  return result.data;
}
