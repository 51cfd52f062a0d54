import { VllmError } from "./errors.ts";
import { pyFloat } from "./python-format.ts";
import type { ChatRequestBody } from "./types.ts";

/**
 * The checks of vLLM's `SamplingParams._verify_args` that a client can trip, with vLLM's messages.
 * `maxTokens` is the value vLLM passes on (the request's, or the remaining context).
 */
export function checkSamplingParams(request: ChatRequestBody, maxTokens: number): void {
  const n = request.n ?? 1;
  if (n < 1) throw new VllmError(`n must be at least 1, got ${n}.`);
  const temperature = request.temperature;
  if (temperature != null && temperature < 0) {
    throw new VllmError(`temperature must be non-negative, got ${pyFloat(temperature)}.`);
  }
  const topP = request.top_p;
  if (topP != null && !(topP > 0 && topP <= 1)) {
    throw new VllmError(`top_p must be in (0, 1], got ${pyFloat(topP)}.`);
  }
  const topK = request.top_k;
  if (topK != null && topK < -1) {
    throw new VllmError(`top_k must be 0 (disable), or at least 1, got ${topK}.`);
  }
  const minP = request.min_p;
  if (minP != null && !(minP >= 0 && minP <= 1)) {
    throw new VllmError(`min_p must be in [0, 1], got ${pyFloat(minP)}.`);
  }
  for (const name of ["presence_penalty", "frequency_penalty"] as const) {
    const value = request[name];
    if (typeof value === "number" && !(value >= -2 && value <= 2)) {
      throw new VllmError(`${name} must be in [-2, 2], got ${pyFloat(value)}.`);
    }
  }
  const repetitionPenalty = request.repetition_penalty;
  if (typeof repetitionPenalty === "number" && repetitionPenalty <= 0) {
    throw new VllmError(`repetition_penalty must be greater than zero, got ${pyFloat(repetitionPenalty)}.`);
  }
  checkLogprobs(request);
  if (maxTokens < 1) throw new VllmError(`max_tokens must be at least 1, got ${maxTokens}.`);
  const minTokens = request.min_tokens;
  if (typeof minTokens === "number") {
    if (minTokens < 0) {
      throw new VllmError(`min_tokens must be greater than or equal to 0, got ${minTokens}.`);
    }
    if (minTokens > maxTokens) {
      throw new VllmError(
        `min_tokens must be less than or equal to max_tokens=${maxTokens}, got ${minTokens}.`,
      );
    }
  }
  if (n > 1) {
    // vLLM rejects n > 1 only for greedy sampling; the emulator answers one choice only (deviation).
    const message =
      temperature === 0
        ? `n must be 1 when using greedy sampling, got ${n}.`
        : `The vLLM emulator supports n=1 only, got ${n}.`;
    throw new VllmError(message);
  }
}

/** vLLM's default `--max-logprobs`. */
const MAX_LOGPROBS = 20;

/** `ChatCompletionRequest.check_logprobs` and the engine's `max_logprobs` bound. */
function checkLogprobs(request: ChatRequestBody): void {
  const top = request.top_logprobs;
  if (top == null) return;
  if (top < 0) throw new VllmError("`top_logprobs` must be a positive value.");
  if (top > 0 && request.logprobs !== true) {
    throw new VllmError("when using `top_logprobs`, `logprobs` must be set to true.");
  }
  if (top > MAX_LOGPROBS) {
    throw new VllmError(
      `Requested sample logprobs of ${top}, which is greater than max allowed: ${MAX_LOGPROBS}`,
    );
  }
}
