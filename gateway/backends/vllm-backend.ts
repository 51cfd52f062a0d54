import type { ChatRequest } from "../chat/chat-request.ts";
import type { ImageLimits } from "../images/image-limits.ts";
import { stringifyJsonToBuffer } from "../json/fast-json.ts";
import type {
  BackendLoad,
  OcrBackend,
  PageContext,
  PreparedTask,
  TaskCapabilities,
  TaskOptions,
} from "../ocr/ocr-backend.ts";
import type { PageResult, PreparedPage } from "../ocr/ocr-types.ts";
import { type GenerateFn, VllmPageReader } from "../ocr/vllm-page-reader.ts";
import type { ModelProfile, StructuredOutputMode, TaskDefinition } from "../tasks/index.ts";
import { forwardBody } from "../upstream/forward-body.ts";
import { forwardSse } from "../upstream/forward-sse.ts";
import { isGreedyRequest } from "../upstream/retry-policy.ts";
import { streamChatCompletion } from "../upstream/stream-chat-completion.ts";
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
  /** The model profile whose prompts and sampling `/v1/ocr` uses. */
  profile: ModelProfile;
  structuredOutputMode: StructuredOutputMode;
  /** Bounds for page images sent to the model. */
  imageLimits: ImageLimits;
  /** Upper bound for a caller's `max_tokens`. */
  maxTokensCap: number;
  /** The upstream pool's load (see `BackendLoad`), for background jobs that only use spare capacity. */
  load: () => BackendLoad;
}

/**
 * HunyuanOCR on one or more vLLM servers, for every route: chat requests are forwarded and their answers
 * streamed back unchanged; `/v1/ocr` pages are read with `VllmPageReader`, each generation streamed from vLLM
 * so that loops can be cut off early and replica failures restarted elsewhere.
 */
export class VllmBackend implements ChatBackend, OcrBackend {
  readonly name = "vllm";
  readonly modelId: string;
  readonly imageLimits: ImageLimits;
  readonly #reader: VllmPageReader;

  constructor(private readonly options: VllmBackendOptions) {
    this.modelId = options.modelId;
    this.imageLimits = options.imageLimits;
    this.#reader = new VllmPageReader({
      generate: this.#generate,
      modelId: options.modelId,
      profile: options.profile,
      structuredOutputMode: options.structuredOutputMode,
      imageLimits: options.imageLimits,
      maxTokensCap: options.maxTokensCap,
    });
  }

  capabilities(): TaskCapabilities {
    return { available: true, ignoredOptions: [] };
  }

  load(): BackendLoad {
    return this.options.load();
  }

  prepareTask(task: TaskDefinition, options: TaskOptions): PreparedTask {
    return this.#reader.prepareTask(task, options);
  }

  runPage(page: PreparedPage, task: PreparedTask, context: PageContext): Promise<PageResult> {
    return this.#reader.runPage(page, task, context);
  }

  /** One page's generation, streamed from vLLM and collected, with upstream metrics. */
  readonly #generate: GenerateFn = async (body, context) => {
    const observer = this.options.observer ?? NO_OBSERVER;
    const started = performance.now();
    try {
      const generation = await streamChatCompletion({
        client: this.options.client,
        body,
        deadlines: this.options.deadlines,
        requestId: context.requestId,
        signal: context.signal,
        onDelta: context.onDelta,
        onRestart: context.onRestart,
      });
      observer.firstChunk(generation.timeToFirstChunk);
      observer.usage(generation.usage.prompt_tokens, generation.usage.completion_tokens);
      observer.finished("ok", (performance.now() - started) / 1000);
      return generation;
    } catch (error) {
      observer.finished(context.signal.aborted ? "aborted" : "failed", (performance.now() - started) / 1000);
      throw error;
    }
  };

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
