import { BadGatewayError, type GatewayError } from "../errors.ts";
import { stringifyJsonToBuffer } from "../json/fast-json.ts";
import { isEngineDeathMessage } from "./error-answer-verdict.ts";
import { midStreamFailure } from "./forward-sse.ts";
import { isGreedyRequest } from "./retry-policy.ts";
import { SseEventSplitter, sseDataPayloads } from "./sse-event-splitter.ts";
import { truncateUpstreamText } from "./translate-upstream-error.ts";
import { type DeadlineSettings, RequestDeadlines } from "./upstream-timeouts.ts";
import type { VllmClient } from "./vllm-client.ts";

/** The log-probabilities of the tokens that wrote `text.slice(start, end)` (one stream chunk). */
export interface TokenLogprobs {
  start: number;
  end: number;
  logprobs: number[];
}

export interface Generation {
  text: string;
  /** Per chunk of `text`, when the request asked for `logprobs` and the server sent them. */
  logprobs?: TokenLogprobs[];
  /** vLLM's finish reason (`stop`, `length`, `abort`, …), or `stopped_early` when `onDelta` asked to stop. */
  finishReason: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  /** Seconds from sending to the first chunk (prefill). */
  timeToFirstChunk: number;
}

export interface StreamChatOptions {
  client: VllmClient;
  body: Record<string, unknown>;
  requestId: string;
  deadlines: DeadlineSettings;
  signal?: AbortSignal;
  /** Receives each content delta; returning `true` stops generation (e.g. a repetition loop was detected). */
  onDelta?: (delta: string) => boolean | undefined;
  /**
   * The replica failed midway (its engine died or the connection dropped) and the generation starts again on
   * another one: the deltas received so far are void. Only greedy requests are restarted, once.
   */
  onRestart?: (reason: string) => void;
}

interface ChunkShape {
  choices?: Array<{
    delta?: { content?: string | null };
    finish_reason?: string | null;
    logprobs?: { content?: Array<{ logprob?: number }> | null } | null;
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

/** A replica failed after its 200: worth one more try elsewhere when the answer does not depend on who gives it. */
class ReplicaFailedMidStream extends Error {
  constructor(
    readonly replica: string,
    readonly failure: GatewayError,
  ) {
    super(failure.message, { cause: failure });
    this.name = "ReplicaFailedMidStream";
  }
}

const RESTARTS = 1;

function withLogprobs(generation: Generation, logprobs: TokenLogprobs[]): Generation {
  return logprobs.length > 0 ? { ...generation, logprobs } : generation;
}

/**
 * Runs one chat completion against vLLM as a stream and collects it, handing each delta to `onDelta` as it
 * arrives. The gateway's own tasks use this so that loops can be cut off early and `/v1/ocr` can stream. A
 * greedy (idempotent) request whose replica dies midway is restarted once on another replica.
 */
export async function streamChatCompletion(options: StreamChatOptions): Promise<Generation> {
  const avoid = new Set<string>();
  for (let attempt = 0; ; attempt++) {
    try {
      return await streamOnce(options, avoid);
    } catch (error) {
      if (!(error instanceof ReplicaFailedMidStream)) throw error;
      if (attempt >= RESTARTS || !isGreedyRequest(options.body) || options.signal?.aborted)
        throw error.failure;
      avoid.add(error.replica);
      options.onRestart?.("the model server failed midway; reading again on another replica");
    }
  }
}

async function streamOnce(options: StreamChatOptions, avoid: ReadonlySet<string>): Promise<Generation> {
  const deadlines = new RequestDeadlines(options.deadlines, options.signal);
  const started = performance.now();
  let timeToFirstChunk = 0;
  let text = "";
  const logprobs: TokenLogprobs[] = [];
  let finishReason = "";
  let usage = { prompt_tokens: 0, completion_tokens: 0 };
  try {
    const response = await options.client.request({
      method: "POST",
      path: "/v1/chat/completions",
      body: stringifyJsonToBuffer({ ...options.body, stream: true, stream_options: { include_usage: true } }),
      requestId: options.requestId,
      signal: deadlines.signal,
      idempotent: isGreedyRequest(options.body),
      avoid,
    });
    const splitter = new SseEventSplitter();
    let done = false;
    try {
      for await (const chunk of response.body) {
        // After [DONE], read on to the end of the body so the keep-alive connection can be reused.
        if (done) continue;
        if (timeToFirstChunk === 0) timeToFirstChunk = (performance.now() - started) / 1000;
        deadlines.progress();
        const events = splitter.push(chunk);
        if (events === null) continue;
        for (const payload of sseDataPayloads(events)) {
          if (payload === "[DONE]") {
            done = true;
            break;
          }
          const parsed = JSON.parse(payload) as ChunkShape;
          if (parsed.error) {
            const message = parsed.error.message ?? "unknown error";
            const failure = new BadGatewayError(
              "upstream_error",
              `The model server failed mid-answer: ${truncateUpstreamText(message)}`,
            );
            if (!isEngineDeathMessage(message)) throw failure;
            options.client.reportEngineDeath(response.replica);
            throw new ReplicaFailedMidStream(response.replica, failure);
          }
          if (parsed.usage) {
            usage = {
              prompt_tokens: parsed.usage.prompt_tokens ?? 0,
              completion_tokens: parsed.usage.completion_tokens ?? 0,
            };
          }
          const choice = parsed.choices?.[0];
          if (choice?.finish_reason) finishReason = choice.finish_reason;
          const delta = choice?.delta?.content;
          const tokens = choice?.logprobs?.content;
          if (tokens != null && tokens.length > 0) {
            const values = tokens.map((token) => token.logprob).filter((value) => typeof value === "number");
            logprobs.push({ start: text.length, end: text.length + (delta?.length ?? 0), logprobs: values });
          }
          if (delta) {
            text += delta;
            if (options.onDelta?.(delta) === true) {
              response.body.destroy();
              return withLogprobs({ text, finishReason: "stopped_early", usage, timeToFirstChunk }, logprobs);
            }
          }
        }
      }
    } catch (error) {
      if (error instanceof BadGatewayError || error instanceof ReplicaFailedMidStream) throw error;
      if (error instanceof SyntaxError) {
        throw new BadGatewayError(
          "upstream_invalid_response",
          "The model server sent an unreadable stream event.",
        );
      }
      const failure = midStreamFailure(error, deadlines.signal);
      if (failure.code === "upstream_stream_interrupted")
        throw new ReplicaFailedMidStream(response.replica, failure);
      throw failure;
    }
    if (done)
      return withLogprobs({ text, finishReason: finishReason || "stop", usage, timeToFirstChunk }, logprobs);
    throw new ReplicaFailedMidStream(
      response.replica,
      new BadGatewayError(
        "upstream_stream_interrupted",
        "The model server closed the stream before it finished.",
      ),
    );
  } finally {
    deadlines.dispose();
  }
}
