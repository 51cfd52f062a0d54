import { BadRequestError } from "../errors.ts";
import { type JsonSchema, type StructuredOutputMode, structuredOutputFields } from "./field-schema.ts";
import { pythonListLiteral, renderTemplate } from "./prompt-template.ts";
import type { VariableValue } from "./resolve-variables.ts";
import {
  type ParserName,
  PROMPT_LANGUAGES,
  type PromptLanguage,
  type TaskVariable,
} from "./task-file-schema.ts";
import { resolveTaskInputs } from "./task-inputs.ts";
import type { ModelProfile, TaskDefinition } from "./task-registry.ts";

/** Sampling fields for the vLLM chat request body (snake_case, ready to spread). */
export interface UpstreamSampling {
  max_tokens: number;
  temperature: number;
  top_p: number;
  top_k: number;
  repetition_penalty: number;
  seed?: number;
  min_tokens?: number;
  /** Present (false) only where the profile keeps special tokens for this parser. */
  skip_special_tokens?: boolean;
}

export interface ParserOptions {
  tableFormat: "html" | "markdown";
}

export interface BuildTaskPromptOptions {
  profile: ModelProfile;
  /** Prompt language; default: the task's `default_language`. */
  language?: string | undefined;
  variables?: Readonly<Record<string, unknown>> | undefined;
  /** Caller's JSON schema for structured-output tasks (already normalised, e.g. from Mistral's shape). */
  schema?: JsonSchema | undefined;
  schemaName?: string | undefined;
  structuredOutputMode?: StructuredOutputMode | undefined;
}

export interface BuiltTaskPrompt {
  task: string;
  prompt: string;
  language: PromptLanguage;
  /** The profile whose prompt was used (differs from the requested one after a fallback). */
  promptProfile: string;
  sampling: UpstreamSampling;
  /** `sampling` with the profile's higher repetition penalty, for the one retry after a loop. */
  retrySampling: UpstreamSampling;
  parser: ParserName;
  parserOptions: ParserOptions;
  variables: Record<string, VariableValue>;
  structuredOutput?: { schema: JsonSchema; requestFields: Record<string, unknown> };
  repetition: { trimMinChars: number; trimMinRepeats: number };
}

/**
 * Builds the instruction and request settings for one task call.
 *
 * Prompt choice: the requested (or the task's default) language is looked up in the profile, then along its
 * `prompt_fallback` chain (1.5 → 1.0), so a task without a 1.5 prompt uses the 1.0 wording and an English
 * request on 1.5 uses the 1.0 English prompt. Without an explicit language, any language of the first
 * profile in the chain that has a prompt is used. No prompt at all → 400 `unsupported_language`.
 *
 * Variables: enum values render as their label in the prompt language; string lists render as a Python list
 * (`['a','b']`). Structured-output tasks take keys from their string_list variable or, when absent, from
 * `schema.properties`; the schema (given or built from the keys) is checked for xgrammar support (422).
 */
export function buildTaskPrompt(task: TaskDefinition, options: BuildTaskPromptOptions): BuiltTaskPrompt {
  const { variables, schema } = resolveTaskInputs(task, options);
  const {
    prompt: template,
    language,
    profile: promptProfile,
  } = choosePrompt(task, options.profile, options.language);
  const prompt = renderTemplate(template, renderValues(task.variables, variables, language));

  const profile = options.profile;
  const sampling = mergeSampling(profile.sampling, task.sampling);
  if (profile.keepSpecialTokensForParsers.includes(task.parser)) sampling.skip_special_tokens = false;

  const built: BuiltTaskPrompt = {
    task: task.name,
    prompt,
    language,
    promptProfile,
    sampling,
    retrySampling: { ...sampling, repetition_penalty: profile.repetition.retryPenalty },
    parser: task.parser,
    parserOptions: { tableFormat: variables.table_format === "markdown" ? "markdown" : "html" },
    variables,
    repetition: {
      trimMinChars: profile.repetition.trimMinChars,
      trimMinRepeats: profile.repetition.trimMinRepeats,
    },
  };
  if (schema != null) {
    built.structuredOutput = {
      schema,
      requestFields: structuredOutputFields(
        schema,
        options.structuredOutputMode,
        options.schemaName ?? task.name,
      ),
    };
  }
  return built;
}

/** Profile defaults overlaid with the task's settings; unset (undefined) task fields keep the default. */
function mergeSampling(
  defaults: ModelProfile["sampling"],
  overrides: TaskDefinition["sampling"],
): UpstreamSampling {
  const merged: Record<string, number> = {};
  for (const [key, value] of [...Object.entries(defaults), ...Object.entries(overrides)]) {
    if (value != null) merged[key] = value;
  }
  return merged as unknown as UpstreamSampling;
}

/**
 * The prompt `task` is sent with for `language` (default: the task's) under `profile`, following its
 * fallback chain. Throws 400 `unsupported_language` for a language the task has no prompt in. Backends that
 * send no prompt call it too, so `language` is refused the same way whatever serves the request.
 */
export function choosePrompt(
  task: TaskDefinition,
  profile: ModelProfile,
  language: string | undefined,
): { prompt: string; language: PromptLanguage; profile: string } {
  const chain = profile.promptChain;
  if (language != null && !(PROMPT_LANGUAGES as readonly string[]).includes(language)) {
    throw new BadRequestError(
      "unsupported_language",
      `Prompt language must be one of: ${PROMPT_LANGUAGES.join(", ")}.`,
      {
        param: "language",
      },
    );
  }
  const wanted = (language ?? task.defaultLanguage) as PromptLanguage;
  for (const name of chain) {
    const prompt = task.prompts[name]?.[wanted];
    if (prompt != null) return { prompt, language: wanted, profile: name };
  }
  if (language == null) {
    for (const name of chain) {
      for (const other of PROMPT_LANGUAGES) {
        const prompt = task.prompts[name]?.[other];
        if (prompt != null) return { prompt, language: other, profile: name };
      }
    }
  }
  const available = chain.flatMap((name) => Object.keys(task.prompts[name] ?? {}));
  throw new BadRequestError(
    "unsupported_language",
    available.length === 0
      ? `Task "${task.name}" has no prompt for model profile "${profile.name}".`
      : `Task "${task.name}" has no "${wanted}" prompt for model profile "${profile.name}" (available: ${[...new Set(available)].join(", ")}).`,
    { param: "language" },
  );
}

function renderValues(
  declared: readonly TaskVariable[],
  values: Readonly<Record<string, VariableValue>>,
  language: PromptLanguage,
): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const variable of declared) {
    const value = values[variable.name];
    if (value == null) continue;
    if (Array.isArray(value)) rendered[variable.name] = pythonListLiteral(value);
    else if (variable.type === "enum") rendered[variable.name] = variable.labels[value]?.[language] ?? value;
    else rendered[variable.name] = value;
  }
  return rendered;
}
