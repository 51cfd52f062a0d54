import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { type Dispatcher, Pool } from "undici";
import { GatewayError, ServiceUnavailableError } from "../errors.ts";
import { describeConnectionError } from "../fetching/describe-connection-error.ts";
import { judgeErrorAnswer } from "./error-answer-verdict.ts";
import { type Replica, ReplicaPool, type ReplicaPoolObserver } from "./replica-pool.ts";
import { backoff, isRetryableConnectionError, isRetryableStatus, type RetryPolicy } from "./retry-policy.ts";
import { translateUpstreamError } from "./translate-upstream-error.ts";
import { UpstreamTimeout } from "./upstream-timeouts.ts";

export interface VllmClientOptions {
  urls: readonly string[];
  apiKey?: string | undefined;
  connectTimeoutMs: number;
  keepAliveMs: number;
  connections: number;
  maxConcurrentPerReplica: number;
  maxQueue: number;
  queueTimeoutMs: number;
  ejectAfterFailures: number;
  ejectionCooldownMs: number;
  retry: RetryPolicy;
  observer?: ReplicaPoolObserver & { retried?(reason: string): void };
}

export interface UpstreamRequest {
  method: "GET" | "POST";
  path: string;
  body?: string | Buffer;
  /** The gateway's request id; each attempt sends vLLM a fresh `X-Request-Id` derived from it. */
  requestId?: string;
  signal?: AbortSignal;
  /**
   * The same answer whichever replica gives it (greedy decoding): when a replica's engine dies holding it,
   * it is sent again to another replica instead of failing.
   */
  idempotent?: boolean;
  /** Replicas to avoid if any other can take it (they already failed this request). */
  avoid?: ReadonlySet<string>;
}

export type UpstreamBody = AsyncIterable<Uint8Array> & {
  text(): Promise<string>;
  destroy(error?: Error): void;
  once(event: "close" | "error", listener: () => void): unknown;
};

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: UpstreamBody;
  replica: string;
}

/** Reads at most `limit` bytes of a body as text (error bodies from upstreams are not trusted to be small). */
export async function readCapped(body: AsyncIterable<Uint8Array>, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(Buffer.from(chunk));
    size += chunk.byteLength;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString("utf8");
}

/** Maps undici and abort failures to gateway errors: timeouts → 504, connection failures → 503. */
export function toUpstreamFailure(error: unknown, signal?: AbortSignal): GatewayError {
  if (signal?.aborted && signal.reason instanceof GatewayError) return signal.reason;
  if (error instanceof GatewayError) return error;
  const code = (error as { code?: string }).code ?? "";
  if (code === "UND_ERR_CONNECT_TIMEOUT") return new UpstreamTimeout("connect", 0);
  if (code === "UND_ERR_HEADERS_TIMEOUT") return new UpstreamTimeout("total", 0);
  if (code === "UND_ERR_BODY_TIMEOUT") return new UpstreamTimeout("idle", 0);
  return new ServiceUnavailableError("upstream_unavailable", "The model server could not be reached.", {
    cause: error,
    headers: { "retry-after": "1" },
  });
}

/**
 * vLLM refuses two in-flight requests with one id, so every attempt gets a suffix unique to this process
 * (a random prefix per process, then a counter: cheaper than random bytes per request).
 */
const attemptPrefix = randomBytes(3).toString("hex");
let attemptCounter = 0;

function attemptRequestId(requestId: string | undefined): string {
  attemptCounter = (attemptCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${requestId ?? "gw"}-${attemptPrefix}${attemptCounter.toString(36)}`;
}

/**
 * HTTP client for one or more vLLM servers on undici keep-alive pools. Balances over replicas (see
 * `ReplicaPool`), retries connection failures and 502/503 answers on another replica with backoff (and an
 * engine's death, for idempotent requests) — always before anything reached the client, since it returns only
 * once a usable response has started — and holds a replica's slot until the response body is finished. Error
 * answers are read here (capped) and thrown as gateway errors, after judging whether they are the replica's
 * fault (see `judgeErrorAnswer`). It knows HTTP, not tasks or OpenAI shapes.
 */
export class VllmClient {
  readonly pool: ReplicaPool;
  readonly #http: Map<string, Pool>;
  #healthTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: VllmClientOptions) {
    if (options.urls.length === 0) throw new Error("VllmClient needs at least one upstream URL");
    this.pool = new ReplicaPool({ ...options, ...(options.observer ? { observer: options.observer } : {}) });
    this.#http = new Map(
      options.urls.map((url) => [
        url,
        new Pool(url, {
          connections: options.connections,
          keepAliveTimeout: options.keepAliveMs,
          keepAliveMaxTimeout: options.keepAliveMs,
          connect: { timeout: options.connectTimeoutMs },
        }),
      ]),
    );
  }

  get urls(): readonly string[] {
    return this.options.urls;
  }

  #send(url: string, request: UpstreamRequest, requestId: string): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { "x-request-id": requestId };
    if (request.body !== undefined) headers["content-type"] = "application/json";
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    return (this.#http.get(url) as Pool).request({
      method: request.method,
      path: request.path,
      headers,
      body: request.body ?? null,
      signal: request.signal ?? null,
      headersTimeout: 0,
      // Idle gaps between chunks are policed by RequestDeadlines so the first-token budget can differ.
      bodyTimeout: 0,
    });
  }

  /**
   * Sends a request through the replica pool, with retries, and returns a 2xx/3xx response whose body the
   * caller must consume or destroy. An error answer is thrown as a gateway error (see `translateUpstreamError`).
   */
  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const failed = new Set<string>(request.avoid);
    for (let attempt = 0; ; attempt++) {
      const replica = await this.pool.acquire(request.signal, failed);
      let response: Dispatcher.ResponseData;
      try {
        response = await this.#send(replica.url, request, attemptRequestId(request.requestId));
      } catch (error) {
        this.pool.release(replica, "failed");
        failed.add(replica.url);
        if (
          request.signal?.aborted ||
          !isRetryableConnectionError(error) ||
          attempt >= this.options.retry.retries
        ) {
          throw toUpstreamFailure(error, request.signal);
        }
        this.options.observer?.retried?.("connection_error");
        await this.#wait(attempt, undefined, request.signal);
        continue;
      }
      const status = response.statusCode;
      if (status < 400) return this.#holdUntilDone(replica, response, request.signal);
      const text = await readCapped(response.body).catch(() => "");
      const verdict = judgeErrorAnswer(status, text);
      this.pool.release(
        replica,
        verdict === "engine_dead"
          ? "dead"
          : verdict === "replica"
            ? "failed"
            : status >= 500
              ? "neutral"
              : "ok",
      );
      const retry =
        (isRetryableStatus(status) || (verdict === "engine_dead" && request.idempotent === true)) &&
        attempt < this.options.retry.retries &&
        request.signal?.aborted !== true;
      if (!retry) throw translateUpstreamError(status, text);
      failed.add(replica.url);
      this.options.observer?.retried?.(verdict === "engine_dead" ? "engine_dead" : `status_${status}`);
      const retryAfter = response.headers["retry-after"];
      await this.#wait(attempt, typeof retryAfter === "string" ? retryAfter : undefined, request.signal);
    }
  }

  /**
   * Keeps the replica's slot until the body is closed. A body that breaks (connection reset, timeout) counts
   * as a failure of the replica; one the gateway closed itself (client gone, loop cut off) does not.
   */
  #holdUntilDone(
    replica: Replica,
    response: Dispatcher.ResponseData,
    signal?: AbortSignal,
  ): UpstreamResponse {
    let outcome: "ok" | "failed" = "ok";
    const body = response.body;
    body.once("error", (error: Error & { code?: string }) => {
      const closedByUs = error.name === "AbortError" || error.code === "UND_ERR_ABORTED";
      if (!closedByUs || signal?.reason instanceof UpstreamTimeout) outcome = "failed";
    });
    body.once("close", () => this.pool.release(replica, outcome));
    return { status: response.statusCode, headers: response.headers, body, replica: replica.url };
  }

  async #wait(
    attempt: number,
    retryAfter: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    try {
      await backoff(this.options.retry, attempt, retryAfter, signal);
    } catch (error) {
      throw toUpstreamFailure(error, signal);
    }
  }

  /** Takes a replica out of rotation at once: its engine died under a request already answered with 200. */
  reportEngineDeath(url: string): void {
    const replica = this.pool.replicas.find((candidate) => candidate.url === url);
    if (replica) this.pool.eject(replica);
  }

  /** `GET /health` on one replica, outside the concurrency limits: true when it answers 200 in time. */
  async probe(url: string, timeoutMs = 2_000): Promise<boolean> {
    return (await this.checkHealth(url, timeoutMs)).healthy;
  }

  /** Like `probe`, with the reason in words: "GET /health answered 503", "connection refused (…)". */
  async checkHealth(url: string, timeoutMs = 2_000): Promise<{ healthy: boolean; reason: string }> {
    try {
      const response = await (this.#http.get(url) as Pool).request({
        method: "GET",
        path: "/health",
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump();
      return { healthy: response.statusCode === 200, reason: `GET /health answered ${response.statusCode}` };
    } catch (error) {
      return { healthy: false, reason: `GET /health failed: ${describeConnectionError(error)}` };
    }
  }

  /** Probes every replica now and every `intervalMs` after, moving replicas in and out of rotation. */
  startHealthChecks(intervalMs: number): void {
    const check = async () => {
      await Promise.all(
        this.pool.replicas.map(async (replica) =>
          this.pool.reportHealth(replica, await this.probe(replica.url)),
        ),
      );
    };
    void check();
    this.#healthTimer = setInterval(() => void check(), intervalMs);
    this.#healthTimer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#healthTimer);
    this.pool.close(new ServiceUnavailableError("shutting_down", "The gateway is shutting down."));
    await Promise.all([...this.#http.values()].map((pool) => pool.close()));
  }
}
