import { VllmError } from "./errors.ts";
import type { FinishReason } from "./response-shapes.ts";
import { splitTokens } from "./tokens.ts";
import type { ScriptedAnswer } from "./types.ts";

/** What one sequence will emit, and when. */
export interface GenerationPlan {
  tokens: string[];
  /** Scripted log-probabilities, index-aligned with `tokens`. */
  logprobs: number[] | undefined;
  finishReason: FinishReason;
  /** The stop string that ended the text, as vLLM reports it (null for EOS or length). */
  stopReason: string | null;
  /** Tokens charged in usage: the emitted ones plus the EOS token when the model stopped by itself. */
  completionTokens: number;
  firstTokenDelayMs: number;
  tokenDelayMs: number;
  dropAfterTokens: number | undefined;
  midStreamError: { afterTokens: number; error: VllmError } | undefined;
  hang: boolean;
}

export interface GenerationLimits {
  maxTokens: number;
  stop: string[];
  firstTokenDelayMs: number;
  tokenDelayMs: number;
}

/** Turns an answer into a plan: applies stop strings and the max_tokens cut like vLLM's detokenizer. */
export function planGeneration(answer: ScriptedAnswer, limits: GenerationLimits): GenerationPlan {
  let tokens = answer.tokens ?? splitTokens(answer.text ?? "");
  let finishReason: FinishReason = answer.finishReason ?? "stop";
  let stopReason: string | null = null;
  const stopped = cutAtStopString(tokens, limits.stop);
  if (stopped !== undefined && stopped.tokens.length < limits.maxTokens) {
    tokens = stopped.tokens;
    stopReason = stopped.stop;
    finishReason = "stop";
  } else if (
    tokens.length > limits.maxTokens ||
    (tokens.length === limits.maxTokens && !answer.finishReason)
  ) {
    tokens = tokens.slice(0, limits.maxTokens);
    finishReason = "length";
  }
  const completionTokens =
    finishReason === "stop" ? Math.min(tokens.length + 1, limits.maxTokens) : tokens.length;
  const midStreamError = answer.midStreamError;
  return {
    tokens,
    logprobs: answer.logprobs,
    finishReason,
    stopReason,
    completionTokens,
    firstTokenDelayMs: answer.firstTokenDelayMs ?? limits.firstTokenDelayMs,
    tokenDelayMs: answer.tokenDelayMs ?? limits.tokenDelayMs,
    dropAfterTokens: answer.dropAfterTokens,
    midStreamError:
      midStreamError === undefined
        ? undefined
        : {
            afterTokens: midStreamError.afterTokens,
            error: new VllmError(midStreamError.message, midStreamError.status ?? 400),
          },
    hang: answer.hang === true,
  };
}

function cutAtStopString(tokens: string[], stops: string[]): { tokens: string[]; stop: string } | undefined {
  if (stops.length === 0) return undefined;
  const text = tokens.join("");
  let best: { index: number; stop: string } | undefined;
  for (const stop of stops) {
    const index = stop === "" ? -1 : text.indexOf(stop);
    if (index !== -1 && (best === undefined || index < best.index)) best = { index, stop };
  }
  if (best === undefined) return undefined;
  const kept: string[] = [];
  let length = 0;
  for (const token of tokens) {
    if (length + token.length > best.index) {
      if (best.index > length) kept.push(token.slice(0, best.index - length));
      break;
    }
    kept.push(token);
    length += token.length;
  }
  return { tokens: kept, stop: best.stop };
}
