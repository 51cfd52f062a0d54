import { tokenLogprobs } from "./logprobs.ts";

// The JSON vLLM sends for chat and text completions, streamed and whole (0.12 field set; clients must
// tolerate extra null keys anyway).

export interface Usage {
  prompt_tokens: number;
  total_tokens: number;
  completion_tokens: number;
}

export type FinishReason = "stop" | "length";

/** Builds the bodies of one response; chunk builders return the JSON text of one SSE `data:` event. */
export interface ResponseShape {
  readonly id: string;
  openingChunks(usage: Usage | undefined): string[];
  /** `logprob`: the token's scripted log-probability, if any. */
  contentChunk(text: string, usage: Usage | undefined, logprob?: number): string;
  finalChunk(
    text: string,
    finishReason: FinishReason,
    stopReason: string | null,
    usage: Usage | undefined,
    logprob?: number,
  ): string;
  usageChunk(usage: Usage): string;
  fullResponse(
    tokens: readonly string[],
    finishReason: FinishReason,
    stopReason: string | null,
    usage: Usage,
    logprobs?: ReadonlyArray<number | undefined>,
  ): unknown;
}

/** Usage from token counts, in vLLM's UsageInfo key order. */
export function usageOf(promptTokens: number, completionTokens: number): Usage {
  return {
    prompt_tokens: promptTokens,
    total_tokens: promptTokens + completionTokens,
    completion_tokens: completionTokens,
  };
}

function chunk(head: Record<string, unknown>, choices: unknown[], usage: Usage | undefined): string {
  return JSON.stringify(usage === undefined ? { ...head, choices } : { ...head, choices, usage });
}

/**
 * `chat.completion` / `chat.completion.chunk` bodies. `topLogprobs` (the request's `top_logprobs`, 0 when
 * only `logprobs: true`) adds vLLM's per-token `logprobs`; undefined leaves them null.
 */
export function chatShape(id: string, created: number, model: string, topLogprobs?: number): ResponseShape {
  const head = { id, object: "chat.completion.chunk", created, model };
  // Content chunks are the hot path of benchmarks: built from a precomputed prefix instead of objects.
  const contentPrefix = `${JSON.stringify(head).slice(0, -1)},"choices":[{"index":0,"delta":{"content":`;
  const logprobsOf = (tokens: readonly string[], scripted?: ReadonlyArray<number | undefined>) =>
    topLogprobs === undefined ? null : tokenLogprobs(tokens, topLogprobs, scripted);
  return {
    id,
    openingChunks: (usage) => [
      chunk(
        head,
        [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
        usage,
      ),
    ],
    contentChunk: (text, usage, logprob) =>
      usage === undefined && topLogprobs === undefined
        ? `${contentPrefix}${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]}`
        : chunk(
            head,
            [
              {
                index: 0,
                delta: { content: text },
                logprobs: logprobsOf([text], [logprob]),
                finish_reason: null,
              },
            ],
            usage,
          ),
    finalChunk: (text, finishReason, stopReason, usage, logprob) =>
      chunk(
        head,
        [
          {
            index: 0,
            delta: { content: text },
            logprobs: text === "" ? null : logprobsOf([text], [logprob]),
            finish_reason: finishReason,
            stop_reason: stopReason,
          },
        ],
        usage,
      ),
    usageChunk: (usage) => chunk(head, [], usage),
    fullResponse: (tokens, finishReason, stopReason, usage, logprobs) => ({
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: tokens.join(""),
            refusal: null,
            annotations: null,
            audio: null,
            function_call: null,
            tool_calls: [],
            reasoning_content: null,
          },
          logprobs: logprobsOf(tokens, logprobs),
          finish_reason: finishReason,
          stop_reason: stopReason,
          token_ids: null,
        },
      ],
      service_tier: null,
      system_fingerprint: null,
      usage: { ...usage, prompt_tokens_details: null },
      prompt_logprobs: null,
      prompt_token_ids: null,
      kv_transfer_params: null,
    }),
  };
}

/** `text_completion` bodies (POST /v1/completions). */
export function completionShape(id: string, created: number, model: string): ResponseShape {
  const head = { id, object: "text_completion", created, model };
  const choice = (text: string, finishReason: FinishReason | null, stopReason: string | null) => ({
    index: 0,
    text,
    logprobs: null,
    finish_reason: finishReason,
    stop_reason: stopReason,
  });
  return {
    id,
    openingChunks: () => [],
    contentChunk: (text, usage) => chunk(head, [choice(text, null, null)], usage),
    finalChunk: (text, finishReason, stopReason, usage) =>
      chunk(head, [choice(text, finishReason, stopReason)], usage),
    usageChunk: (usage) => chunk(head, [], usage),
    fullResponse: (tokens, finishReason, stopReason, usage) => ({
      ...head,
      choices: [{ ...choice(tokens.join(""), finishReason, stopReason), prompt_logprobs: null }],
      service_tier: null,
      system_fingerprint: null,
      usage: { ...usage, prompt_tokens_details: null },
      kv_transfer_params: null,
    }),
  };
}
