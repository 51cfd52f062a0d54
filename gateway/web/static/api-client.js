import { createSseParser } from "./sse-parser.js";

/** An error answer of the gateway (its `{error:{message,code,…}}` envelope) or a network failure. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {{ status: number | null, code: string | null, type?: string | null, requestId?: string | null }} details
   *   `status` is null for an error event inside a 200 stream
   */
  constructor(message, details) {
    super(message);
    this.name = "ApiError";
    this.status = details.status;
    this.code = details.code;
    this.type = details.type ?? null;
    this.requestId = details.requestId ?? null;
  }

  /** True when the gateway wants (another) API key. */
  get needsKey() {
    return this.status === 401;
  }
}

/**
 * Builds an {@link ApiError} from a failed response, reading the gateway's error envelope when there is one.
 * @param {Response} response
 */
export async function errorFromResponse(response) {
  const requestId = response.headers.get("x-request-id");
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text);
    const error = body?.error;
    if (error && typeof error.message === "string") {
      return new ApiError(error.message, {
        status: response.status,
        code: typeof error.code === "string" ? error.code : null,
        type: typeof error.type === "string" ? error.type : null,
        requestId,
      });
    }
  } catch {
    // not the gateway's JSON envelope (e.g. a proxy's HTML page): report the status below
  }
  const message = `The gateway answered ${response.status} ${response.statusText}`.trim();
  return new ApiError(message, { status: response.status, code: null, requestId });
}

/**
 * A client for the gateway's `/v1/*` API on this page's origin.
 * @param {() => string | null} currentKey the API key to send as a Bearer token, if any
 */
export function createApiClient(currentKey) {
  /**
   * @param {string} path
   * @param {RequestInit} [init]
   */
  async function request(path, init = {}) {
    const headers = new Headers(init.headers);
    const key = currentKey();
    if (key) headers.set("authorization", `Bearer ${key}`);
    let response;
    try {
      response = await fetch(path, { ...init, headers });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new ApiError("The gateway could not be reached.", { status: 0, code: "network_error" });
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  return {
    /** `GET /v1/tasks` → the task list. */
    async tasks() {
      return (await (await request("/v1/tasks")).json()).data;
    },
    /**
     * `GET /ready` → `{ ready, backend }`; a 503 (not ready) is an answer here, not an error.
     * @returns {Promise<{ ready: boolean, backend: string }>}
     */
    async ready() {
      const response = await fetch("/ready", { cache: "no-store" });
      if (response.status !== 200 && response.status !== 503) throw await errorFromResponse(response);
      return response.json();
    },
    /** `GET /v1/models` → the model cards (each with its `backend`). */
    async models() {
      return (await (await request("/v1/models")).json()).data;
    },
    /**
     * `POST /v1/ocr`. With `stream` in the form, calls `onEvent` for every SSE event and resolves with the
     * `done` event's result; an `error` event rejects with an {@link ApiError}. Without it, resolves with the JSON.
     * @param {FormData} form
     * @param {{ signal?: AbortSignal, onEvent?: (name: string, data: unknown) => void }} [options]
     * @returns {Promise<{ result: any, backend: string | null }>}
     */
    async ocr(form, options = {}) {
      const init = { method: "POST", body: form, ...(options.signal ? { signal: options.signal } : {}) };
      const response = await request("/v1/ocr", init);
      const backend = response.headers.get("x-ocr-backend");
      const isStream = (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
      if (!isStream || response.body == null) return { result: await response.json(), backend };
      return { result: await readOcrStream(response, options.onEvent ?? (() => {})), backend };
    },
  };
}

/**
 * Reads `/v1/ocr`'s event stream to its end.
 * @param {Response} response
 * @param {(name: string, data: unknown) => void} onEvent
 */
async function readOcrStream(response, onEvent) {
  const requestId = response.headers.get("x-request-id");
  /** @type {unknown} */
  let result;
  /** @type {ApiError | null} */
  let failure = null;
  const parser = createSseParser((message) => {
    const data = JSON.parse(message.data);
    if (message.event === "error") {
      const error = data?.error ?? {};
      failure = new ApiError(error.message ?? "The stream failed.", {
        status: null,
        code: error.code ?? null,
        type: error.type ?? null,
        requestId,
      });
      return;
    }
    if (message.event === "done") result = data;
    onEvent(message.event, data);
  });
  const reader = /** @type {ReadableStream<Uint8Array>} */ (response.body).getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.push(decoder.decode(value, { stream: true }));
  }
  parser.push(decoder.decode());
  parser.end();
  if (failure) throw failure;
  if (result === undefined) {
    throw new ApiError("The stream ended before the result arrived.", {
      status: null,
      code: "stream_incomplete",
      requestId,
    });
  }
  return result;
}
