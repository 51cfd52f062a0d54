import { assertMaxTokensWithinCap } from "../chat/max-tokens-cap.ts";
import { BadGatewayError, type GatewayError } from "../errors.ts";
import type { ImageLimits } from "../images/image-limits.ts";
import { toDataUrl } from "../images/normalize-image.ts";
import {
  type BuiltTaskPrompt,
  buildTaskPrompt,
  createLoopDetector,
  type ModelProfile,
  type ParsedTaskOutput,
  parseTaskOutput,
  type StructuredOutputMode,
  type TaskDefinition,
  trimRepetitionLoop,
  type UpstreamSampling,
  validateFields,
} from "../tasks/index.ts";
import type { Generation } from "../upstream/stream-chat-completion.ts";
import type { OcrBackend, PageContext, PreparedTask, TaskOptions } from "./ocr-backend.ts";
import type { PageFinish, PageResult, PreparedPage } from "./ocr-types.ts";
import { pageConfidence } from "./page-confidence.ts";
import { pageContentFrom } from "./page-result.ts";

/** Sends one chat request body upstream (streamed) and collects the answer. */
export type GenerateFn = (
  body: Record<string, unknown>,
  context: {
    requestId: string;
    signal: AbortSignal;
    onDelta: (delta: string) => boolean | undefined;
    /** The generation starts over on another replica: what was streamed so far is void. */
    onRestart: (reason: string) => void;
  },
) => Promise<Generation>;

export interface VllmPageReaderOptions {
  generate: GenerateFn;
  modelId: string;
  profile: ModelProfile;
  structuredOutputMode: StructuredOutputMode;
  imageLimits: ImageLimits;
  /** Upper bound for a caller's `max_tokens`. */
  maxTokensCap: number;
}

/** `createLoopDetector`'s default: back-to-back copies of a tail unit that count as a loop. */
const LOOP_DETECTOR_REPEATS = 8;

interface VlmPreparedTask extends PreparedTask {
  built: BuiltTaskPrompt;
}

interface Attempt {
  generation: Generation;
  /** The answer the page was parsed from (a looped tail trimmed). */
  answer: string;
  parsed: ParsedTaskOutput;
  finish: PageFinish;
  problem?: string;
}

/**
 * How `/v1/ocr` reads a page with HunyuanOCR: the task's prompt and the page image as one chat request
 * (sent through `generate`), the answer checked for loops, truncation and schema violations, retried once
 * with the task's retry sampling, then parsed. The vLLM backend (`backends/vllm-backend.ts`) uses it.
 */
export class VllmPageReader implements Pick<OcrBackend, "imageLimits" | "prepareTask" | "runPage"> {
  readonly imageLimits: ImageLimits;

  constructor(private readonly options: VllmPageReaderOptions) {
    this.imageLimits = options.imageLimits;
  }

  prepareTask(task: TaskDefinition, options: TaskOptions): VlmPreparedTask {
    const built = buildTaskPrompt(task, {
      profile: this.options.profile,
      language: options.language,
      variables: options.variables,
      schema: options.schema,
      schemaName: options.schemaName,
      structuredOutputMode: this.options.structuredOutputMode,
    });
    if (options.tableFormat != null) built.parserOptions.tableFormat = options.tableFormat;
    if (options.maxTokens != null) {
      assertMaxTokensWithinCap(options.maxTokens, this.options.maxTokensCap);
      built.sampling.max_tokens = options.maxTokens;
      built.retrySampling.max_tokens = options.maxTokens;
    }
    return { task, options, built };
  }

  async runPage(page: PreparedPage, prepared: PreparedTask, context: PageContext): Promise<PageResult> {
    const { built, options } = prepared as VlmPreparedTask;
    // Encoded once per page: a retry sends the same image.
    const imageUrl = toDataUrl(page.image);
    const first = await this.#attempt(imageUrl, built, built.sampling, context);
    let final = first;
    if (first.problem !== undefined) {
      context.onRetry?.(first.problem);
      final = await this.#attempt(imageUrl, built, built.retrySampling, context);
    }
    const warnings = [...("warnings" in final.parsed ? final.parsed.warnings : [])];
    if (first.problem !== undefined) warnings.unshift(`retried once: ${first.problem}`);
    const usage = {
      prompt_tokens:
        first.generation.usage.prompt_tokens + (final === first ? 0 : final.generation.usage.prompt_tokens),
      completion_tokens:
        first.generation.usage.completion_tokens +
        (final === first ? 0 : final.generation.usage.completion_tokens),
    };
    const content = await pageContentFrom(final.parsed, page, options.includeImageBase64);
    const chunks = final.generation.logprobs;
    const result: PageResult = {
      index: page.index,
      ...content,
      ...(chunks ? pageConfidence(content, final.answer, chunks) : {}),
      dimensions: page.dimensions,
      finish_reason: final.finish,
      retried: final !== first,
      warnings,
      usage,
    };
    if (final.problem !== undefined) {
      warnings.push(`still failing after the retry: ${final.problem}`);
      // Fields that could not be read are a failure even when the cause was truncation or a loop: a 200 with
      // `fields: null` would look like a document without those fields.
      const unreadableFields = final.parsed.parser === "fields" && !final.parsed.ok;
      if (final.finish === "error" || unreadableFields) {
        result.error = { code: "invalid_model_output", message: final.problem };
      }
    }
    return result;
  }

  async #attempt(
    imageUrl: string,
    built: BuiltTaskPrompt,
    sampling: UpstreamSampling,
    context: PageContext,
  ): Promise<Attempt> {
    let detector = createLoopDetector();
    const body: Record<string, unknown> = {
      model: this.options.modelId,
      messages: [
        { role: "system", content: "" },
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: imageUrl } },
            { type: "text", text: built.prompt },
          ],
        },
      ],
      ...sampling,
      ...built.structuredOutput?.requestFields,
      // Scores each line and the page (`page-confidence.ts`); the gateway's own request, never a client's.
      logprobs: true,
    };
    const generation = await this.options.generate(body, {
      requestId: context.requestId,
      signal: context.signal,
      onDelta: (delta) => {
        context.onDelta(delta);
        return detector.push(delta);
      },
      onRestart: (reason) => {
        detector = createLoopDetector();
        context.onRetry?.(reason);
      },
    });
    const stoppedEarly = generation.finishReason === "stopped_early";
    // A stream the loop detector cut off is shorter than the trim threshold but known to loop: trim it anyway,
    // with the detector's repeat count, so the looped tail never reaches the caller.
    const trimmed = trimRepetitionLoop(
      generation.text,
      stoppedEarly
        ? { minChars: 0, minRepeats: Math.min(LOOP_DETECTOR_REPEATS, built.repetition.trimMinRepeats) }
        : { minChars: built.repetition.trimMinChars, minRepeats: built.repetition.trimMinRepeats },
    );
    const parsed = parseTaskOutput(built.parser, trimmed.text, built.parserOptions);
    const answer = trimmed.text;
    if (stoppedEarly || trimmed.looped) {
      return {
        generation,
        answer,
        parsed,
        finish: "repetition",
        problem: "the model repeated itself (a decoding loop)",
      };
    }
    if (generation.finishReason === "length") {
      return {
        generation,
        answer,
        parsed,
        finish: "length",
        problem: `the answer hit max_tokens (${sampling.max_tokens})`,
      };
    }
    if (parsed.parser === "fields") {
      if (!parsed.ok) return { generation, answer, parsed, finish: "error", problem: parsed.error };
      const schema = built.structuredOutput?.schema;
      const check = schema ? validateFields(schema, parsed.value) : { valid: true as const };
      if (!check.valid) {
        return {
          generation,
          answer,
          parsed,
          finish: "error",
          problem: `the fields do not match the schema: ${check.errors.join("; ")}`,
        };
      }
    }
    return { generation, answer, parsed, finish: "stop" };
  }
}

/** A 502 for a request whose every page failed to give usable structured output. */
export function invalidModelOutput(message: string): GatewayError {
  return new BadGatewayError("invalid_model_output", `The model's answer could not be used: ${message}`);
}
