import { GatewayError } from "../../errors.ts";
import { isRetryableConnectionError } from "../../upstream/retry-policy.ts";
import type { FailureReason } from "./run-state.ts";

/** Statuses worth another try later: overload (429, 503) and upstream hiccups (502, 504). */
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);
/** Codes whose message may quote the model's output: kept out of the state file and report. */
const CONTENT_BEARING_CODES = new Set(["invalid_model_output"]);
const FILE_ERRORS: Record<string, string> = {
  ENOENT: "The file does not exist (any more).",
  EACCES: "The file cannot be read (permission denied).",
  EPERM: "The file cannot be read (permission denied).",
  EISDIR: "A folder, not a file.",
  EIO: "The file could not be read (I/O error).",
};

/** A document's failure, normalised from a gateway error, an HTTP answer, a file error or a network error. */
export class BatchFailure extends Error {
  constructor(
    readonly code: string,
    /** The HTTP status `/v1/ocr` answers (or answered) with; 0 when the document never reached it. */
    readonly status: number,
    message: string,
    /** Seconds, as the `retry-after` header said. */
    readonly retryAfter?: string,
  ) {
    super(message);
  }

  get transient(): boolean {
    return TRANSIENT_STATUSES.has(this.status) || this.code === "connection_error";
  }

  /** The model server (or the gateway) could not be reached at all, rather than refusing this document. */
  get unreachable(): boolean {
    return this.code === "connection_error" || this.code === "upstream_unavailable";
  }

  /** Busy, not broken: 429, or 503 from a gateway that is up (an unreachable model server is not overload). */
  get overload(): boolean {
    return this.status === 429 || (this.status === 503 && !this.unreachable);
  }

  toReason(): FailureReason {
    const message = CONTENT_BEARING_CODES.has(this.code)
      ? "The model's answer could not be used."
      : this.message.slice(0, 300);
    return { code: this.code, status: this.status, message };
  }
}

/** Whether a recorded failure may go away by itself (a later run retries it without `--retry-failed`). */
export function isTransientReason(reason: FailureReason | undefined): boolean {
  return reason != null && new BatchFailure(reason.code, reason.status, reason.message).transient;
}

/** Normalises whatever a document's processing threw. */
export function toBatchFailure(error: unknown): BatchFailure {
  if (error instanceof BatchFailure) return error;
  if (error instanceof GatewayError) {
    return new BatchFailure(error.code, error.status, error.message, error.headers["retry-after"]);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === "string" && code in FILE_ERRORS) {
    return new BatchFailure("unreadable_file", 0, FILE_ERRORS[code] as string);
  }
  if (isRetryableConnectionError(error) || (error instanceof TypeError && error.message === "fetch failed")) {
    return new BatchFailure("connection_error", 0, "The gateway could not be reached.");
  }
  return new BatchFailure("internal_error", 500, (error as Error).message ?? String(error));
}

/** A failure from a gateway's HTTP answer: its JSON error envelope's `code` and `message`, or the status alone. */
export async function failureFromResponse(response: Response): Promise<BatchFailure> {
  const text = await response.text().catch(() => "");
  let error: { code?: unknown; message?: unknown } = {};
  try {
    error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
  } catch {
    // Not the gateway's envelope (a proxy's page): the status says enough.
  }
  return new BatchFailure(
    typeof error.code === "string" ? error.code : `http_${response.status}`,
    response.status,
    typeof error.message === "string" ? error.message : `The gateway answered ${response.status}.`,
    response.headers.get("retry-after") ?? undefined,
  );
}
