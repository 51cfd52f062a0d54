export { VllmEmulator } from "./emulator.ts";
export { splitTokens } from "./tokens.ts";
export type {
  ChatMessage,
  ChatRequestBody,
  ContentPart,
  EmulatorOptions,
  RecordedRequest,
  ScriptedAnswer,
} from "./types.ts";
