import type { ChatRequest } from "../chat/chat-request.ts";
import { stringifyJsonToBuffer } from "../json/fast-json.ts";
import { forwardBody } from "../upstream/forward-body.ts";
import { forwardSse } from "../upstream/forward-sse.ts";
import { isGreedyRequest } from "../upstream/retry-policy.ts";
import { NO_OBSERVER, type UpstreamObserver, usageOf } from "../upstream/upstream-observer.ts";
import { type DeadlineSettings, RequestDeadlines } from "../upstream/upstream-timeouts.ts";
import { usageTap } from "../upstream/usage-tap.ts";
import type { VllmClient } from "../upstream/vllm-client.ts";
import type { ChatBackend, ChatCallContext, ReadyStatus, UpstreamTiming } from "./backend.ts";

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};

/**
 * Headers for a forwarded JSON body. The bytes are vLLM's, unchanged, so its `content-length` holds: it spares
 * chunked encoding (and its extra write per response).
 */
function jsonHeaders(contentLength: string | string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (typeof contentLength === "string" && /^\d+$/.test(contentLength))
    headers["content-length"] = contentLength;
  return headers;
}

export interface VllmBackendOptions {
  client: VllmClient;
  modelId: string;
  deadlines: DeadlineSettings;
  observer?: UpstreamObserver;
}

/** Forwards chat requests to vLLM and streams its answers back unchanged. */
export class VllmBackend implements ChatBackend {
  readonly name = "vllm";
  readonly modelId: string;

  constructor(private readonly options: VllmBackendOptions) {
    this.modelId = options.modelId;
  }

  async chatCompletion(
    request: ChatRequest,
    context: ChatCallContext,
  ): Promise<{ response: Response; timing: UpstreamTiming }> {
    const streaming = request.stream === true;
    const settings = this.options.deadlines;
    const deadlines = new RequestDeadlines(
      { ...settings, firstTokenMs: streaming ? settings.firstTokenMs : settings.totalMs },
      context.signal,
    );
    const observer = this.options.observer ?? NO_OBSERVER;
    // Usage is always requested upstream (for token metrics) and dropped again if the client did not ask.
    const addUsage = streaming && request.stream_options == null;
    const upstreamRequest = addUsage ? { ...request, stream_options: { include_usage: true } } : request;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const upstream = await this.options.client.request({
        method: "POST",
        path: "/v1/chat/completions",
        body: stringifyJsonToBuffer(upstreamRequest),
        requestId: context.requestId,
        signal: deadlines.signal,
        // Nothing has reached the client before `request` returns, so a greedy request may go elsewhere.
        idempotent: isGreedyRequest(request),
      });
      const timing = { upstreamWaitMs: performance.now() - started };
      const response = streaming
        ? new Response(
            forwardSse(upstream.body, {
              deadlines,
              onFirstChunk: () => observer.firstChunk(seconds()),
              transform: usageTap(observer, addUsage),
              onEnd: (outcome) =>
                observer.finished(
                  outcome === "done" ? "ok" : outcome === "client_aborted" ? "aborted" : "failed",
                  seconds(),
                ),
            }),
            { status: 200, headers: SSE_HEADERS },
          )
        : new Response(
            forwardBody(
              upstream.body,
              deadlines,
              (body) => {
                const usage = usageOf(body.toString("utf8"));
                if (usage) observer.usage(usage.prompt, usage.completion);
                observer.finished("ok", seconds());
              },
              () => observer.finished(context.signal.aborted ? "aborted" : "failed", seconds()),
            ),
            { status: upstream.status, headers: jsonHeaders(upstream.headers["content-length"]) },
          );
      return { response, timing };
    } catch (error) {
      deadlines.dispose();
      observer.finished(context.signal.aborted ? "aborted" : "failed", seconds());
      throw error;
    }
  }

  async checkReady(): Promise<ReadyStatus> {
    const client = this.options.client;
    const replicas = await Promise.all(
      client.pool.replicas.map(async (replica, index) => {
        const healthy = await client.probe(replica.url);
        return {
          replica: index,
          healthy,
          in_rotation: healthy && replica.ejectedUntil <= Date.now(),
          in_flight: replica.inFlight,
        };
      }),
    );
    return {
      ready: replicas.some((replica) => replica.in_rotation),
      backend: this.name,
      detail: { replicas, queued: client.pool.queued },
    };
  }

  close(): Promise<void> {
    return this.options.client.close();
  }
}
