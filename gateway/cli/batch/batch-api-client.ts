import { backoff } from "../../upstream/retry-policy.ts";
import { failureFromResponse, toBatchFailure } from "./batch-failure.ts";

/** The fields of OpenAI's `Batch` object that a submitting client reads. */
export interface RemoteBatch {
  id: string;
  status: string;
  input_file_id: string;
  output_file_id: string | null;
  error_file_id: string | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
}

export const ENDED_BATCH_STATUSES = new Set(["completed", "failed", "expired", "cancelled"]);

/** Attempts of one API call while the gateway is busy or unreachable (429, 502–504, connection errors). */
const CALL_RETRIES = 8;
const CALL_RETRY_POLICY = { retries: CALL_RETRIES, baseDelayMs: 1_000, maxDelayMs: 30_000 };

/**
 * A running gateway's OpenAI-compatible Files and Batches API (`/v1/files`, `/v1/batches`), as any OpenAI
 * client calls it. Transient failures are retried with backoff; others throw a `BatchFailure` with the
 * gateway's error code.
 */
export class BatchApiClient {
  private readonly headers: Record<string, string>;

  constructor(
    readonly server: string,
    apiKey: string | undefined,
    private readonly signal?: AbortSignal,
  ) {
    this.headers = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  }

  async uploadInput(name: string, content: string): Promise<string> {
    const response = await this.call("/v1/files", () => {
      const form = new FormData();
      form.set("purpose", "batch");
      form.set("file", new Blob([content], { type: "application/jsonl" }), name);
      return { method: "POST", body: form };
    });
    return ((await response.json()) as { id: string }).id;
  }

  async createBatch(inputFileId: string, metadata: Record<string, string>): Promise<RemoteBatch> {
    const response = await this.call("/v1/batches", () => ({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        input_file_id: inputFileId,
        endpoint: "/v1/ocr",
        completion_window: "24h",
        metadata,
      }),
    }));
    return (await response.json()) as RemoteBatch;
  }

  async retrieveBatch(id: string): Promise<RemoteBatch> {
    const response = await this.call(`/v1/batches/${encodeURIComponent(id)}`, () => ({ method: "GET" }));
    return (await response.json()) as RemoteBatch;
  }

  /** The batch created from `inputFileId`, if any: how a submission cut off between two calls is recovered. */
  async findBatchByInput(inputFileId: string): Promise<RemoteBatch | undefined> {
    let after: string | undefined;
    for (;;) {
      const query = new URLSearchParams({ limit: "100", ...(after ? { after } : {}) });
      const response = await this.call(`/v1/batches?${query}`, () => ({ method: "GET" }));
      const page = (await response.json()) as { data: RemoteBatch[]; has_more: boolean };
      const found = page.data.find((batch) => batch.input_file_id === inputFileId);
      if (found || !page.has_more || page.data.length === 0) return found;
      after = page.data.at(-1)?.id;
    }
  }

  async fileContent(id: string): Promise<string> {
    const response = await this.call(`/v1/files/${encodeURIComponent(id)}/content`, () => ({
      method: "GET",
    }));
    return response.text();
  }

  private async call(route: string, init: () => RequestInit): Promise<Response> {
    const url = new URL(route, this.server);
    for (let attempt = 0; ; attempt++) {
      let failure: ReturnType<typeof toBatchFailure>;
      try {
        const request = init();
        const response = await fetch(url, {
          ...request,
          headers: { ...this.headers, ...(request.headers as Record<string, string> | undefined) },
          ...(this.signal ? { signal: this.signal } : {}),
        });
        if (response.ok) return response;
        failure = await failureFromResponse(response);
      } catch (error) {
        if (this.signal?.aborted) throw error;
        failure = toBatchFailure(error);
      }
      if (!failure.transient || attempt >= CALL_RETRIES) throw failure;
      await backoff(CALL_RETRY_POLICY, Math.min(attempt, 5), failure.retryAfter, this.signal);
    }
  }
}
