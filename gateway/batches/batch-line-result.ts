import { randomBytes } from "node:crypto";

/** What one batch line produced: an HTTP-like answer (any status), or an error before any answer. */
export interface BatchLineResult {
  /** `batch_req_…`: the output line's id. */
  id: string;
  custom_id: string;
  request_id: string;
  status_code: number | null;
  body: unknown;
  error: { code: string; message: string } | null;
  usage: { input_tokens: number; output_tokens: number };
}

export function newBatchRequestId(): string {
  return `batch_req_${randomBytes(12).toString("hex")}`;
}

/** True when the line belongs in the output file (a 2xx answer); everything else goes to the error file. */
export function succeeded(result: BatchLineResult): boolean {
  return result.status_code !== null && result.status_code >= 200 && result.status_code < 300;
}

/** One line of an output or error file, in OpenAI's batch output format. */
export function formatOutputLine(result: BatchLineResult): string {
  return JSON.stringify({
    id: result.id,
    custom_id: result.custom_id,
    response:
      result.status_code === null
        ? null
        : { status_code: result.status_code, request_id: result.request_id, body: result.body },
    error: result.error,
  });
}
