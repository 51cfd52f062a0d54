import { BadGatewayError } from "../errors.ts";
import { stringifyJsonToBuffer } from "../json/fast-json.ts";
import { midStreamFailure } from "./forward-sse.ts";
import { SseEventSplitter, sseDataPayloads } from "./sse-event-splitter.ts";
import { translateUpstreamError } from "./translate-upstream-error.ts";
import { type DeadlineSettings, RequestDeadlines } from "./upstream-timeouts.ts";
import { readCapped, type VllmClient } from "./vllm-client.ts";

export interface Generation {
  text: string;
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
}

interface ChunkShape {
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

/**
 * Runs one chat completion against vLLM as a stream and collects it, handing each delta to `onDelta` as it
 * arrives. The gateway's own tasks use this so that loops can be cut off early and `/v1/ocr` can stream.
 */
export async function streamChatCompletion(options: StreamChatOptions): Promise<Generation> {
  const deadlines = new RequestDeadlines(options.deadlines, options.signal);
  const started = performance.now();
  let timeToFirstChunk = 0;
  let text = "";
  let finishReason = "";
  let usage = { prompt_tokens: 0, completion_tokens: 0 };
  try {
    const response = await options.client.request({
      method: "POST",
      path: "/v1/chat/completions",
      body: stringifyJsonToBuffer({ ...options.body, stream: true, stream_options: { include_usage: true } }),
      requestId: options.requestId,
      signal: deadlines.signal,
    });
    if (response.status >= 400)
      throw translateUpstreamError(response.status, await readCapped(response.body));
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
            throw new BadGatewayError(
              "upstream_error",
              `The model server failed mid-answer: ${parsed.error.message ?? "unknown error"}`,
            );
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
          if (delta) {
            text += delta;
            if (options.onDelta?.(delta) === true) {
              response.body.destroy();
              return { text, finishReason: "stopped_early", usage, timeToFirstChunk };
            }
          }
        }
      }
    } catch (error) {
      if (error instanceof BadGatewayError) throw error;
      if (error instanceof SyntaxError) {
        throw new BadGatewayError(
          "upstream_invalid_response",
          "The model server sent an unreadable stream event.",
        );
      }
      throw midStreamFailure(error, deadlines.signal);
    }
    if (done) return { text, finishReason: finishReason || "stop", usage, timeToFirstChunk };
    throw new BadGatewayError(
      "upstream_stream_interrupted",
      "The model server closed the stream before it finished.",
    );
  } finally {
    deadlines.dispose();
  }
}
