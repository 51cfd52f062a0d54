import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { admit, includeUsageOf } from "./admission.ts";
import { imageUrls, messageText, parseChatRequest } from "./chat-request.ts";
import type { EmulatorCore } from "./emulator-core.ts";
import { preprocessingError, VllmError } from "./errors.ts";
import { planGeneration } from "./generation-plan.ts";
import { sendEmpty, sendJson } from "./http-io.ts";
import { imageTokenCount, loadImageSize } from "./images.ts";
import { chatShape } from "./response-shapes.ts";
import { checkSamplingParams } from "./sampling.ts";
import { checkSchemaForBackend, isPoisonSchema, resolveConstraint } from "./structured-output.ts";
import { countTextTokens } from "./tokens.ts";
import type { ChatRequestBody, ScriptedAnswer } from "./types.ts";

/** Throws vLLM's 404 when `model` is given and not served (an absent model means the first one). */
export function checkModel(core: EmulatorCore, model: unknown): string {
  const names = core.options.servedModelNames;
  if (model == null || model === "") return names[0] as string;
  if (typeof model === "string" && names.includes(model)) return model;
  throw new VllmError(`The model \`${String(model)}\` does not exist.`, 404, "NotFoundError", "model");
}

/** The engine request id: X-Request-Id, else the body's request_id, else random hex (vLLM's order). */
export function baseRequestId(req: IncomingMessage, bodyRequestId: unknown): string {
  const header = req.headers["x-request-id"];
  if (typeof header === "string" && header !== "") return header;
  if (typeof bodyRequestId === "string" && bodyRequestId !== "") return bodyRequestId;
  return randomUUID().replaceAll("-", "");
}

/** The prompt as the engine sees it: text tokens, image tokens after HunyuanOCR's resize. */
interface PromptFigures {
  textTokens: number;
  imageTokens: number[];
}

async function preprocessPrompt(core: EmulatorCore, request: ChatRequestBody): Promise<PromptFigures> {
  const urls = imageUrls(request.messages);
  const limit = core.options.limitImagesPerPrompt;
  if (urls.length > limit)
    throw preprocessingError(`At most ${limit} image(s) may be provided in one prompt.`);
  const sizes = await Promise.all(urls.map((url) => loadImageSize(url, core.features)));
  const text = request.messages.map(messageText).join("");
  return { textTokens: countTextTokens(text), imageTokens: sizes.map(imageTokenCount) };
}

/** vLLM's `_validate_input`: counts the prompt before multimodal expansion (one placeholder per image). */
function requestedMaxTokens(core: EmulatorCore, request: ChatRequestBody, inputTokens: number): number {
  const maxModelLen = core.options.maxModelLen;
  // Python's `max_completion_tokens or max_tokens`: 0 falls through.
  const maxTokens = request.max_completion_tokens || request.max_tokens;
  if (maxTokens == null) {
    if (inputTokens >= maxModelLen) {
      throw preprocessingError(
        `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${inputTokens} input tokens. Please reduce the length of the input messages.`,
      );
    }
    return maxModelLen - inputTokens;
  }
  if (inputTokens + maxTokens > maxModelLen) {
    // 0.14+ raises VLLMValidationError(parameter=…), which fills the error body's `param`.
    const param = core.features.validationParam
      ? request.max_completion_tokens
        ? "max_completion_tokens"
        : "max_tokens"
      : null;
    throw preprocessingError(
      `'max_tokens' or 'max_completion_tokens' is too large: ${maxTokens}. This model's maximum context length is ${maxModelLen} tokens and your request has ${inputTokens} input tokens (${maxTokens} > ${maxModelLen} - ${inputTokens}).`,
      param,
    );
  }
  return maxTokens;
}

function stopStrings(stop: unknown): string[] {
  if (typeof stop === "string") return [stop];
  return Array.isArray(stop) ? stop.filter((s): s is string => typeof s === "string") : [];
}

/** POST /v1/chat/completions. */
export async function handleChatCompletion(
  core: EmulatorCore,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  arrivedAt: number,
): Promise<void> {
  const request = parseChatRequest(body);
  const model = checkModel(core, request.model);
  if (!core.healthy) {
    sendEmpty(res, 500);
    return;
  }
  const prompt = await preprocessPrompt(core, request);
  const inputTokens = prompt.textTokens + prompt.imageTokens.length;
  const maxTokens = requestedMaxTokens(core, request, inputTokens);
  resolveConstraint(request, core.features);
  checkSamplingParams(request, maxTokens);
  const promptTokens = prompt.textTokens + prompt.imageTokens.reduce((sum, n) => sum + n, 0);
  const maxModelLen = core.options.maxModelLen;
  if (promptTokens > maxModelLen) {
    throw new VllmError(
      `The decoder prompt (length ${promptTokens}) is longer than the maximum model length of ${maxModelLen}. Make sure that \`max_model_len\` is no smaller than the number of text tokens plus multimodal tokens. For image inputs, the number of image tokens depends on the number of images, and possibly their aspect ratios as well.`,
    );
  }
  const constraint = resolveConstraint(request, core.features);
  checkSchemaForBackend(constraint, core.options.structuredOutputsBackend);
  const poison = core.features.poisonSchemaKillsEngine && isPoisonSchema(constraint);

  // A poison schema never gets to generate: its grammar compilation kills the engine first.
  const answer: ScriptedAnswer = poison
    ? { hang: true }
    : (core.scripts.shift() ?? core.defaultAnswer(request));
  if (answer.httpError !== undefined) {
    sendScriptedError(core, res, answer);
    return;
  }
  const created = Math.floor(Date.now() / 1000);
  const topLogprobs = request.logprobs === true ? (request.top_logprobs ?? 0) : undefined;
  const shape = chatShape(`chatcmpl-${baseRequestId(req, request.request_id)}`, created, model, topLogprobs);
  const stream = request.stream === true;
  const streamOptions = request.stream_options;
  const tokensPerSecond = core.options.tokensPerSecond;
  const plan = planGeneration(answer, {
    // The scheduler stops a sequence when prompt + output reach max_model_len.
    maxTokens: Math.max(1, Math.min(maxTokens, maxModelLen - promptTokens)),
    stop: stopStrings(request.stop),
    firstTokenDelayMs: core.options.prefillMsPerImage * prompt.imageTokens.length,
    tokenDelayMs: Number.isFinite(tokensPerSecond) ? 1000 / tokensPerSecond : 0,
  });
  const includeUsage = includeUsageOf(stream, streamOptions);
  admit(core, {
    res,
    shape,
    plan,
    stream,
    includeUsage,
    continuousUsage: includeUsage && streamOptions?.continuous_usage_stats === true,
    promptTokens,
    arrivedAt,
  });
  // The grammar is compiled once the engine holds the request: the crash takes every request with it.
  if (poison) core.killEngine();
}

function sendScriptedError(core: EmulatorCore, res: ServerResponse, answer: ScriptedAnswer): void {
  const error = answer.httpError;
  if (error === undefined) return;
  const send = () => {
    if (res.destroyed) return;
    if (error.rawBody !== undefined) {
      res.writeHead(error.status, { "content-length": Buffer.byteLength(error.rawBody) });
      res.end(error.rawBody);
    } else if (error.body !== undefined) {
      sendJson(res, error.status, error.body);
    } else {
      sendEmpty(res, error.status);
    }
  };
  const delay = answer.firstTokenDelayMs ?? 0;
  if (delay <= 0) {
    send();
    return;
  }
  const timer = setTimeout(() => {
    core.pendingTimers.delete(timer);
    send();
  }, delay);
  core.pendingTimers.add(timer);
}
