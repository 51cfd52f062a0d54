/** What the upstream layer reports for metrics; implemented by the composition root. */
export interface UpstreamObserver {
  /** One upstream call ended: `ok`, `failed` (error or broken stream) or `aborted` (client gone). */
  finished(outcome: "ok" | "failed" | "aborted", seconds: number): void;
  /** Time from sending a streaming request to its first chunk. */
  firstChunk(seconds: number): void;
  usage(promptTokens: number, completionTokens: number): void;
}

export const NO_OBSERVER: UpstreamObserver = { finished() {}, firstChunk() {}, usage() {} };

interface UsageShape {
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  choices?: unknown[];
}

/** Reads `usage` from one OpenAI JSON object (a completion or a stream chunk), if it has one. */
export function usageOf(
  text: string,
): { prompt: number; completion: number; usageOnly: boolean } | undefined {
  if (!text.includes('"usage"')) return undefined;
  try {
    const parsed = JSON.parse(text) as UsageShape;
    if (!parsed.usage) return undefined;
    return {
      prompt: parsed.usage.prompt_tokens ?? 0,
      completion: parsed.usage.completion_tokens ?? 0,
      usageOnly: Array.isArray(parsed.choices) && parsed.choices.length === 0,
    };
  } catch {
    return undefined;
  }
}
