import type { ChatRequest } from "../chat/chat-request.ts";

/** What `/v1/models` lists for each name a client may send. */
export interface ModelCard {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  root: string;
  parent: string | null;
  max_model_len?: number;
  backend: string;
}

/** Timings a backend reports so the gateway can compute its own overhead. */
export interface UpstreamTiming {
  /** ms the gateway spent waiting for the model server's response headers. */
  upstreamWaitMs: number;
}

export interface ChatCallContext {
  requestId: string;
  /** Aborts when the client disconnects. */
  signal: AbortSignal;
  /** A copy sent to a shadow candidate for comparison (no client waits for it; it is not mirrored again). */
  shadow?: boolean;
}

export interface ReadyStatus {
  ready: boolean;
  backend: string;
  detail: Record<string, unknown>;
}

/**
 * A model backend: vLLM over HTTP, or the embedded CPU engine. The routes talk to this interface only and
 * never branch on which one is configured.
 */
export interface ChatBackend {
  /** "vllm" or "embedded"; reported in responses, headers and metrics. */
  readonly name: string;
  /** The model id clients see as `root` (the served model name). */
  readonly modelId: string;
  /** Answers an OpenAI chat request (already validated, model already resolved) as JSON or SSE. */
  chatCompletion(
    request: ChatRequest,
    context: ChatCallContext,
  ): Promise<{ response: Response; timing: UpstreamTiming }>;
  checkReady(signal?: AbortSignal): Promise<ReadyStatus>;
  close(): Promise<void>;
}
