/** What a chat answer said, read back from the bytes sent to the client. */
export interface ChatAnswer {
  text: string;
  /** The stream carried an error event (the model call failed midway). */
  failed: boolean;
}

function contentOf(choice: unknown, key: "message" | "delta"): string {
  const part = (choice as Record<string, { content?: unknown } | undefined> | undefined)?.[key];
  return typeof part?.content === "string" ? part.content : "";
}

/** The first choice's text of an OpenAI chat completion (JSON) or of its SSE stream. */
export function chatAnswerText(body: string, streaming: boolean): ChatAnswer {
  if (!streaming) {
    try {
      const parsed = JSON.parse(body) as { choices?: unknown[]; error?: unknown };
      return { text: contentOf(parsed.choices?.[0], "message"), failed: parsed.error != null };
    } catch {
      return { text: "", failed: true };
    }
  }
  let text = "";
  let failed = false;
  for (const line of body.split("\n")) {
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (data === "" || data === "[DONE]") continue;
    try {
      const chunk = JSON.parse(data) as { choices?: unknown[]; error?: unknown };
      if (chunk.error != null) failed = true;
      text += contentOf(chunk.choices?.[0], "delta");
    } catch {
      // not a JSON event: nothing to read
    }
  }
  return { text, failed };
}

/** Parses `text` as a JSON object (a structured answer), or undefined. */
export function jsonObjectOf(text: string): Record<string, unknown> | undefined {
  const trimmed = text
    .trim()
    .replace(/^```(?:json)?\s*/i, "")
    .replace(/\s*```$/, "");
  if (!trimmed.startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
