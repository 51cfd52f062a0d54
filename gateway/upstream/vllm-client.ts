import type { IncomingHttpHeaders } from "node:http";
import { Pool } from "undici";
import { GatewayError, ServiceUnavailableError } from "../errors.ts";
import { UpstreamTimeout } from "./upstream-timeouts.ts";

export interface VllmClientOptions {
  urls: readonly string[];
  apiKey?: string | undefined;
  connectTimeoutMs: number;
  keepAliveMs: number;
  connections: number;
}

export interface UpstreamRequest {
  method: "GET" | "POST";
  path: string;
  body?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** How long to wait for the response headers (non-streaming answers only send them at the end). */
  headersTimeoutMs?: number;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: AsyncIterable<Uint8Array> & { text(): Promise<string>; destroy(error?: Error): void };
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
 * Keep-alive HTTP client for one or more vLLM servers, built on undici pools. It knows HTTP, not tasks or
 * OpenAI shapes. The pool's idle timeout stays below uvicorn's 5 s keep-alive so reused sockets are live.
 */
export class VllmClient {
  readonly #pools: Map<string, Pool>;
  #next = 0;

  constructor(private readonly options: VllmClientOptions) {
    if (options.urls.length === 0) throw new Error("VllmClient needs at least one upstream URL");
    this.#pools = new Map(
      options.urls.map((url) => [
        url,
        new Pool(url, {
          connections: options.connections,
          keepAliveTimeout: options.keepAliveMs,
          keepAliveMaxTimeout: options.keepAliveMs,
          connect: { timeout: options.connectTimeoutMs },
          pipelining: 1,
        }),
      ]),
    );
  }

  get urls(): readonly string[] {
    return this.options.urls;
  }

  /** Round-robin over the configured replicas. */
  pickReplica(): string {
    const urls = this.options.urls;
    const url = urls[this.#next % urls.length] as string;
    this.#next = (this.#next + 1) % urls.length;
    return url;
  }

  async request(request: UpstreamRequest, replica = this.pickReplica()): Promise<UpstreamResponse> {
    const pool = this.#pools.get(replica);
    if (!pool) throw new Error(`unknown replica ${replica}`);
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers["content-type"] = "application/json";
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    try {
      const response = await pool.request({
        method: request.method,
        path: request.path,
        headers,
        body: request.body ?? null,
        signal: request.signal ?? null,
        headersTimeout: request.headersTimeoutMs ?? 0,
        // Idle gaps between chunks are policed by RequestDeadlines so the first-token budget can differ.
        bodyTimeout: 0,
      });
      return {
        status: response.statusCode,
        headers: response.headers,
        body: response.body,
        replica,
      };
    } catch (error) {
      throw toUpstreamFailure(error, request.signal);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
  }
}
