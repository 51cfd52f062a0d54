// The tasks module's public surface: task files → prompts and request settings → parsed answers.
export {
  type BuildTaskPromptOptions,
  type BuiltTaskPrompt,
  buildTaskPrompt,
  choosePrompt,
  type ParserOptions,
  type UpstreamSampling,
} from "./build-task-prompt.ts";
export {
  checkSchemaSupported,
  type JsonSchema,
  type NormalisedSchema,
  normaliseAnnotationFormat,
  type StructuredOutputMode,
  schemaFromKeys,
  structuredOutputFields,
  toResponseFormat,
} from "./field-schema.ts";
export { type FieldsValidation, validateFields } from "./json-schema-validator.ts";
export type { DocumentFigure, DocumentParseOptions, DocumentResult } from "./parsers/document.ts";
export { type FieldsParseResult, parseFieldsOutput } from "./parsers/fields.ts";
export { type ParsedTaskOutput, parseTaskOutput } from "./parsers/parse-task-output.ts";
export { type PixelBox, type PixelSpottingItem, toPixelBoxes } from "./parsers/pixel-boxes.ts";
export {
  type NormalisedBox,
  parseSpottingOutput,
  type SpottingItem,
  type SpottingResult,
} from "./parsers/spotting.ts";
export { PromptFileError } from "./prompt-file-error.ts";
export {
  createLoopDetector,
  hasTailRepetition,
  type LoopDetector,
  trimRepetitionLoop,
} from "./repetition.ts";
export { PARSER_NAMES, type ParserName, PROMPT_LANGUAGES, type PromptLanguage } from "./task-file-schema.ts";
export { resolveTaskInputs, type TaskInputs } from "./task-inputs.ts";
export {
  BUILTIN_PROMPTS_DIR,
  DEFAULT_PROFILE,
  loadModelProfile,
  loadTaskRegistry,
  type ModelProfile,
  type TaskDefinition,
  TaskRegistry,
} from "./task-registry.ts";
