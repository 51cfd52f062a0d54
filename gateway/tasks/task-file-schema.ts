import { z } from "zod";

/** The closed set of output parsers a task can name; each has a module in `parsers/`. */
export const PARSER_NAMES = [
  "text",
  "spotting",
  "document",
  "fields",
  "subtitles",
  "table",
  "formula",
  "chart",
] as const;
export type ParserName = (typeof PARSER_NAMES)[number];

/** Prompt languages a task file may provide. */
export const PROMPT_LANGUAGES = ["zh", "en"] as const;
export type PromptLanguage = (typeof PROMPT_LANGUAGES)[number];

const identifier = z.string().regex(/^[a-z][a-z0-9_]*$/, "must be lower_snake_case");
const profileName = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, "must be a lower-case profile name");

const variableBase = {
  name: identifier,
  required: z.boolean().default(false),
  description: z.string().optional(),
};

const stringVariable = z.strictObject({
  ...variableBase,
  type: z.literal("string"),
  default: z.string().optional(),
  max_length: z.int().positive().default(200),
});

const stringListVariable = z.strictObject({
  ...variableBase,
  type: z.literal("string_list"),
  default: z.array(z.string()).optional(),
  min_items: z.int().nonnegative().default(1),
  max_items: z.int().positive().default(100),
  max_length: z.int().positive().default(200),
});

const enumVariable = z
  .strictObject({
    ...variableBase,
    type: z.literal("enum"),
    values: z.array(z.string().min(1)).min(1),
    default: z.string().optional(),
    /** Error code for a value outside `values` (default `invalid_variable`). */
    error_code: identifier.optional(),
    /** Other spellings accepted for a value, compared case-insensitively (`english: en`). */
    value_aliases: z.record(z.string(), z.string()).default({}),
    /** Text put into the prompt per value and prompt language (default: the value itself). */
    labels: z.record(z.string(), z.partialRecord(z.enum(PROMPT_LANGUAGES), z.string())).default({}),
  })
  .superRefine((variable, ctx) => {
    const allowed = new Set(variable.values);
    if (variable.default != null && !allowed.has(variable.default)) {
      ctx.addIssue({
        code: "custom",
        path: ["default"],
        message: `must be one of ${variable.values.join(", ")}`,
      });
    }
    for (const [alias, target] of Object.entries(variable.value_aliases)) {
      if (!allowed.has(target)) {
        ctx.addIssue({
          code: "custom",
          path: ["value_aliases", alias],
          message: `"${target}" is not a value`,
        });
      }
    }
    for (const value of Object.keys(variable.labels)) {
      if (!allowed.has(value)) {
        ctx.addIssue({ code: "custom", path: ["labels", value], message: `"${value}" is not a value` });
      }
    }
  });

const variableSchema = z.discriminatedUnion("type", [stringVariable, stringListVariable, enumVariable]);
export type TaskVariable = z.infer<typeof variableSchema>;

const languagePrompts = z
  .partialRecord(z.enum(PROMPT_LANGUAGES), z.string().trim().min(1))
  .refine((prompts) => Object.keys(prompts).length > 0, "needs at least one language (zh or en)");

const samplingOverrides = z.strictObject({
  max_tokens: z.int().positive(),
  temperature: z.number().min(0).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  top_k: z.int().min(-1).optional(),
  repetition_penalty: z.number().positive().optional(),
  min_tokens: z.int().nonnegative().optional(),
});

/** How the embedded CPU engine can serve a task: its lines as text, with boxes, or laid out as Markdown. */
export const EMBEDDED_RENDERINGS = ["text", "spotting", "document"] as const;
export type EmbeddedRendering = (typeof EMBEDDED_RENDERINGS)[number];

/** One task file in `prompts/` (snake_case, as written in YAML). */
export const taskFileSchema = z
  .strictObject({
    name: identifier,
    aliases: z.array(identifier).default([]),
    description: z.string().min(1),
    default_language: z.enum(PROMPT_LANGUAGES).default("zh"),
    parser: z.enum(PARSER_NAMES),
    structured_output: z.boolean().default(false),
    embedded: z.enum(EMBEDDED_RENDERINGS).optional(),
    sampling: samplingOverrides,
    variables: z.array(variableSchema).default([]),
    prompts: z.record(profileName, languagePrompts),
  })
  .superRefine((task, ctx) => {
    const seen = new Set<string>();
    task.variables.forEach((variable, index) => {
      if (seen.has(variable.name)) {
        ctx.addIssue({ code: "custom", path: ["variables", index, "name"], message: "duplicate variable" });
      }
      seen.add(variable.name);
    });
    if (task.structured_output && !task.variables.some((variable) => variable.type === "string_list")) {
      ctx.addIssue({
        code: "custom",
        path: ["structured_output"],
        message: "a structured-output task needs a string_list variable holding the keys",
      });
    }
  });
export type TaskFile = z.infer<typeof taskFileSchema>;

/** One model profile in `prompts/profiles/`. */
export const profileFileSchema = z.strictObject({
  name: profileName,
  description: z.string().min(1),
  /** Profile whose prompts are used where a task has none for this profile. */
  prompt_fallback: profileName.optional(),
  sampling: z.strictObject({
    temperature: z.number().min(0),
    top_p: z.number().gt(0).max(1),
    top_k: z.int().min(-1),
    repetition_penalty: z.number().positive(),
    seed: z.int().optional(),
  }),
  /** Parsers for which the request sends `skip_special_tokens: false` (tags arrive as placeholder tokens). */
  keep_special_tokens_for_parsers: z.array(z.enum(PARSER_NAMES)).default([]),
  repetition: z.strictObject({
    /** `repetition_penalty` for the one retry after a looped or truncated answer. */
    retry_penalty: z.number().positive(),
    /** `trimRepetitionLoop` thresholds (official 1.0 cleanup: 8,000 chars, 10 repeats). */
    trim_min_chars: z.int().positive().default(8000),
    trim_min_repeats: z.int().min(2).default(10),
  }),
});
export type ProfileFile = z.infer<typeof profileFileSchema>;
