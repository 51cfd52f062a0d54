import type { IncomingMessage, ServerResponse } from "node:http";
import { admit, includeUsageOf } from "./admission.ts";
import { checkStreamOptions } from "./chat-request.ts";
import type { EmulatorCore } from "./emulator-core.ts";
import { fieldError, preprocessingError } from "./errors.ts";
import { planGeneration } from "./generation-plan.ts";
import { sendEmpty } from "./http-io.ts";
import { completionShape } from "./response-shapes.ts";
import { baseRequestId, checkModel } from "./routes-chat.ts";
import { checkSamplingParams } from "./sampling.ts";
import { countTextTokens } from "./tokens.ts";
import type { ChatRequestBody } from "./types.ts";

const completionText = "BOOK TA .K (TAMAN DAYA) SDN BHD\nTOTAL: 9.00";

function promptTokensOf(prompt: unknown): number {
  if (typeof prompt === "string") return countTextTokens(prompt);
  if (Array.isArray(prompt) && prompt.every((item) => typeof item === "number")) return prompt.length;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === "string") {
    return countTextTokens(prompt[0]);
  }
  throw fieldError(["prompt"], "string_type", "Input should be a valid string");
}

/** POST /v1/completions, minimal: one prompt, `max_tokens` default 16, no scripts, receipt-like text. */
export function handleCompletion(
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  arrivedAt: number,
): void {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw fieldError([], "model_attributes_type", "Input should be a valid dictionary");
  }
  const request = body as Record<string, unknown>;
  if (request.prompt === undefined) throw fieldError(["prompt"], "missing", "Field required");
  checkStreamOptions(request);
  const model = checkModel(core, request.model);
  if (!core.healthy) {
    sendEmpty(res, 500);
    return;
  }
  const promptTokens = promptTokensOf(request.prompt);
  const maxModelLen = core.options.maxModelLen;
  const maxTokens = typeof request.max_tokens === "number" ? request.max_tokens : 16;
  if (promptTokens + maxTokens > maxModelLen) {
    throw preprocessingError(
      `'max_tokens' or 'max_completion_tokens' is too large: ${maxTokens}. This model's maximum context length is ${maxModelLen} tokens and your request has ${promptTokens} input tokens (${maxTokens} > ${maxModelLen} - ${promptTokens}).`,
    );
  }
  checkSamplingParams({ ...request, messages: [] } as ChatRequestBody, maxTokens);
  const stream = request.stream === true;
  const tokensPerSecond = core.options.tokensPerSecond;
  const includeUsage = includeUsageOf(stream, request.stream_options);
  admit(core, {
    res,
    shape: completionShape(
      `cmpl-${baseRequestId(req, request.request_id)}`,
      Math.floor(Date.now() / 1000),
      model,
    ),
    plan: planGeneration(
      { text: completionText },
      {
        maxTokens,
        stop: [],
        firstTokenDelayMs: 0,
        tokenDelayMs: Number.isFinite(tokensPerSecond) ? 1000 / tokensPerSecond : 0,
      },
    ),
    stream,
    includeUsage,
    continuousUsage: false,
    promptTokens,
    arrivedAt,
  });
}
