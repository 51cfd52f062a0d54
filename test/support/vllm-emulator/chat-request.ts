import { fieldError, VllmError, validationError } from "./errors.ts";
import type { ChatMessage, ChatRequestBody } from "./types.ts";

const numberFields = [
  "temperature",
  "top_p",
  "min_p",
  "presence_penalty",
  "frequency_penalty",
  "repetition_penalty",
];
const integerFields = [
  "max_tokens",
  "max_completion_tokens",
  "n",
  "top_k",
  "min_tokens",
  "seed",
  "top_logprobs",
];
const booleanFields = [
  "stream",
  "skip_special_tokens",
  "ignore_eos",
  "echo",
  "add_generation_prompt",
  "logprobs",
];
const responseFormatTypes = ["text", "json_object", "json_schema", "structural_tag"];
const unsupportedModalities: Record<string, string> = {
  input_audio: "audio",
  audio_url: "audio",
  video_url: "video",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks what vLLM's pydantic model `ChatCompletionRequest` checks (types, required fields, validators) and
 * returns the body typed. Failures are 400 "Bad Request" with a pydantic-like message (an approximation).
 */
export function parseChatRequest(body: unknown): ChatRequestBody {
  if (!isRecord(body)) {
    throw validationError([
      {
        type: "model_attributes_type",
        loc: ["(tuple)", "body"],
        msg: "Input should be a valid dictionary or object to extract fields from",
      },
    ]);
  }
  checkScalarFields(body);
  const messages = body.messages;
  if (messages === undefined) throw fieldError(["messages"], "missing", "Field required");
  if (!Array.isArray(messages)) throw fieldError(["messages"], "list_type", "Input should be a valid list");
  messages.forEach(checkMessage);
  checkStreamOptions(body);
  checkResponseFormat(body.response_format);
  return body as ChatRequestBody;
}

function checkScalarFields(body: Record<string, unknown>): void {
  for (const name of numberFields) {
    const value = body[name];
    if (value != null && typeof value !== "number") {
      throw fieldError(
        [name],
        "float_parsing",
        "Input should be a valid number, unable to parse string as a number",
      );
    }
  }
  for (const name of integerFields) {
    const value = body[name];
    if (value != null && !(typeof value === "number" && Number.isInteger(value))) {
      throw fieldError([name], "int_parsing", "Input should be a valid integer");
    }
  }
  for (const name of booleanFields) {
    const value = body[name];
    if (value != null && typeof value !== "boolean") {
      throw fieldError([name], "bool_parsing", "Input should be a valid boolean");
    }
  }
  if (body.model != null && typeof body.model !== "string") {
    throw fieldError(["model"], "string_type", "Input should be a valid string");
  }
}

function checkMessage(message: unknown, index: number): void {
  if (!isRecord(message)) {
    throw fieldError(["messages", index], "dict_type", "Input should be a valid dictionary");
  }
  if (typeof message.role !== "string") {
    throw fieldError(["messages", index, "role"], "missing", "Field required");
  }
  const content = message.content;
  if (content == null || typeof content === "string") return;
  if (!Array.isArray(content)) {
    throw fieldError(["messages", index, "content"], "string_type", "Input should be a valid string");
  }
  content.forEach((part, partIndex) => {
    checkContentPart(part, ["messages", index, "content", partIndex]);
  });
}

function checkContentPart(part: unknown, loc: (string | number)[]): void {
  if (typeof part === "string") return;
  if (!isRecord(part)) throw fieldError(loc, "dict_type", "Input should be a valid dictionary");
  const type = part.type;
  if (type === "text") {
    if (typeof part.text !== "string") throw fieldError([...loc, "text"], "missing", "Field required");
    return;
  }
  if (type === "image_url" || (type === undefined && part.image_url !== undefined)) {
    const imageUrl = part.image_url;
    const url = isRecord(imageUrl) ? imageUrl.url : imageUrl;
    if (typeof url !== "string") throw fieldError([...loc, "image_url", "url"], "missing", "Field required");
    return;
  }
  const modality = typeof type === "string" ? unsupportedModalities[type] : undefined;
  if (modality !== undefined) {
    throw new VllmError(`At most 0 ${modality}(s) may be provided in one prompt. None`);
  }
  throw fieldError([...loc, "type"], "literal_error", `Unknown part type: ${String(type)}`);
}

/** vLLM's `validate_stream_options` model validator. */
export function checkStreamOptions(body: Record<string, unknown>): void {
  const options = body.stream_options;
  // pydantic validator: `if data.get("stream_options") and not data.get("stream")`, so `{}` passes.
  const truthy = isRecord(options) ? Object.keys(options).length > 0 : Boolean(options);
  if (truthy && body.stream !== true) {
    throw validationError([
      {
        type: "value_error",
        loc: ["(tuple)", "body"],
        msg: "Value error, Stream options can only be defined when `stream=True`.",
      },
    ]);
  }
  if (options != null && !isRecord(options)) {
    throw fieldError(
      ["stream_options"],
      "model_type",
      "Input should be a valid dictionary or instance of StreamOptions",
    );
  }
}

function checkResponseFormat(format: unknown): void {
  if (format == null) return;
  if (!isRecord(format) || typeof format.type !== "string" || !responseFormatTypes.includes(format.type)) {
    throw fieldError(
      ["response_format", "type"],
      "literal_error",
      "Input should be 'text', 'json_object', 'json_schema' or 'structural_tag'",
    );
  }
  if (format.type === "json_schema") {
    const schema = format.json_schema;
    if (!isRecord(schema)) throw fieldError(["response_format", "json_schema"], "missing", "Field required");
    if (typeof schema.name !== "string") {
      throw fieldError(["response_format", "json_schema", "name"], "missing", "Field required");
    }
    // `json_schema.schema` is `dict[str, Any] | None` in vLLM's protocol: a JSON string is refused.
    if (schema.schema != null && !isRecord(schema.schema)) {
      throw fieldError(
        ["response_format", "json_schema", "schema"],
        "dict_type",
        "Input should be a valid dictionary",
      );
    }
  }
}

/** The text of a message's content (parts joined with newlines), for prompt token counting. */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (content == null) return "";
  if (typeof content === "string") return content;
  return content
    .map((part) => (typeof part === "string" ? part : part.type === "text" ? part.text : ""))
    .join("\n");
}

/** The image URLs of all messages, in order. */
export function imageUrls(messages: ChatMessage[]): string[] {
  const urls: string[] = [];
  for (const message of messages) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content as unknown[]) {
      if (!isRecord(part) || part.image_url === undefined) continue;
      const imageUrl = part.image_url;
      urls.push(String(isRecord(imageUrl) ? imageUrl.url : imageUrl));
    }
  }
  return urls;
}

/** The text of the last user message: what the default answerer reads to pick a task. */
export function lastUserText(request: ChatRequestBody): string {
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role === "user") return messageText(message);
  }
  return "";
}
