import type { z } from "zod";

/**
 * A task or profile file that cannot be used. Thrown at start-up (not an HTTP error): the message names the
 * file and the field path, e.g. `prompts/fields.yaml: variables.0.type: Invalid input`.
 */
export class PromptFileError extends Error {
  constructor(
    readonly file: string,
    readonly fieldPath: string,
    detail: string,
  ) {
    super(fieldPath === "" ? `${file}: ${detail}` : `${file}: ${fieldPath}: ${detail}`);
    this.name = "PromptFileError";
  }

  /** One error listing every zod issue; `fieldPath` is the first issue's path. */
  static fromZod(file: string, error: z.ZodError): PromptFileError {
    const issues = error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
    const first = issues[0] ?? { path: "", message: "invalid" };
    const detail = issues
      .map((issue, index) => (index === 0 ? issue.message : `${issue.path || "(root)"}: ${issue.message}`))
      .join("; ");
    return new PromptFileError(file, first.path, detail);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part) => String(part)).join(".");
}
