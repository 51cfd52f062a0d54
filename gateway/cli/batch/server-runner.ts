import type { RemoteFileFetcher } from "../../fetching/fetch-remote-file.ts";
import type { OcrResponse } from "../../ocr/ocr-response.ts";
import { failureFromResponse } from "./batch-failure.ts";
import { countDocumentPages } from "./count-pages.ts";
import { DOCUMENT_OPTION_NAMES } from "./document-options.ts";
import type { OcrRunner } from "./ocr-runner.ts";

/** The gateway's default `PAGE_CONCURRENCY`: how many pages of one request a remote gateway reads at once. */
const REMOTE_PAGE_CONCURRENCY = 4;
/** Pages in flight per vLLM replica to start with, before the limit adapts. */
const PAGES_PER_REPLICA = 8;

export interface ServerRunnerOptions {
  /** The gateway's base URL, e.g. `http://ocr.internal:8000`. */
  server: string;
  apiKey: string | undefined;
  fetcher: RemoteFileFetcher;
}

/** A starting concurrency from the gateway's `/ready`: its vLLM replicas in rotation (or 2 for a CPU engine). */
async function capacityHint(server: string, headers: Record<string, string>): Promise<number> {
  try {
    const response = await fetch(new URL("/ready", server), { headers, signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { backend?: string; detail?: { replicas?: unknown[] } };
    const replicas = Array.isArray(body.detail?.replicas) ? body.detail.replicas.length : 0;
    return replicas > 0 ? replicas * PAGES_PER_REPLICA : 2;
  } catch {
    return PAGES_PER_REPLICA;
  }
}

/**
 * Sends each document to a running gateway's `POST /v1/ocr` as a multipart upload with the same form fields
 * a `curl -F` user would send; the JSON answer is the result.
 */
export async function createServerRunner(options: ServerRunnerOptions): Promise<OcrRunner> {
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  const endpoint = new URL("/v1/ocr", options.server);
  return {
    description: `server ${new URL(options.server).origin}`,
    initialConcurrency: await capacityHint(options.server, headers),
    pageConcurrency: REMOTE_PAGE_CONCURRENCY,
    async run(input, admit, signal) {
      const pages = await countDocumentPages(input.bytes);
      const permit = await admit(Math.min(pages, REMOTE_PAGE_CONCURRENCY));
      const started = performance.now();
      try {
        const form = new FormData();
        form.set("file", new Blob([new Uint8Array(input.bytes)]), input.name);
        for (const name of DOCUMENT_OPTION_NAMES) {
          const value = input.options[name];
          if (value != null) form.set(name, value);
        }
        const response = await fetch(endpoint, { method: "POST", body: form, headers, signal });
        if (!response.ok) throw await failureFromResponse(response);
        const answer = (await response.json()) as OcrResponse;
        permit.release({ pages: answer.usage_info.pages_processed, elapsedMs: performance.now() - started });
        return answer;
      } finally {
        permit.release();
      }
    },
    async fetchUrl(url, signal) {
      return (await options.fetcher.fetchRemoteFile(url, signal)).bytes;
    },
    close: async () => {},
  };
}
