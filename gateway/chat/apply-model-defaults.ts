import type { ChatContentPart, ChatMessage, ChatRequest } from "./chat-request.ts";

/** Sampling values a model profile recommends, applied only where the client left them unset. */
export type SamplingDefaults = Readonly<Record<string, unknown>>;

function imagesFirst(message: ChatMessage): ChatMessage {
  if (message.role !== "user" || !Array.isArray(message.content)) return message;
  const parts: ChatContentPart[] = message.content;
  const firstText = parts.findIndex((part) => part.type === "text");
  const lastImage = parts.findLastIndex((part) => part.type === "image_url");
  if (firstText === -1 || lastImage === -1 || lastImage < firstText) return message;
  return {
    ...message,
    content: [
      ...parts.filter((part) => part.type === "image_url"),
      ...parts.filter((part) => part.type !== "image_url"),
    ],
  };
}

/**
 * HunyuanOCR's request conventions (see the model notes): an empty system message first, the image before
 * the instruction in each user message, and the profile's sampling values where the client set none.
 * Returns a new request; the input is not modified.
 */
export function applyModelDefaults(request: ChatRequest, sampling: SamplingDefaults): ChatRequest {
  const result: Record<string, unknown> = { ...request };
  for (const [key, value] of Object.entries(sampling)) {
    if (result[key] == null) result[key] = value;
  }
  const hasSystem = request.messages.some(
    (message) => message.role === "system" || message.role === "developer",
  );
  const messages = request.messages.map(imagesFirst);
  result.messages = hasSystem ? messages : [{ role: "system", content: "" }, ...messages];
  return result as ChatRequest;
}
