// Helpers shared by the emulator's own tests.
import { afterEach } from "vitest";
import { receiptDataUrl as sroieDataUrl } from "../fixtures.ts";
import { type EmulatorOptions, VllmEmulator } from "./index.ts";

/** A real receipt (SROIE sample 000, 463×1013 JPEG) as a data: URL. */
export function receiptDataUrl(): string {
  return sroieDataUrl("000");
}

export const spottingPrompt = "检测并识别图片中的文字，将文本坐标格式化输出。";

/** A HunyuanOCR-style request body: empty system message, then image part and instruction. */
export function ocrBody(
  imageUrl: string,
  prompt: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    model: "tencent/HunyuanOCR",
    messages: [
      { role: "system", content: "" },
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: imageUrl } },
          { type: "text", text: prompt },
        ],
      },
    ],
    temperature: 0,
    max_tokens: 1024,
    ...extra,
  };
}

/** A text-only request body. */
export function textBody(text: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "tencent/HunyuanOCR", messages: [{ role: "user", content: text }], ...extra };
}

/** POSTs JSON to a path of the emulator. */
export function postJson(
  baseUrl: string,
  urlPath: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${baseUrl}${urlPath}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** Splits an SSE body into its `data:` payloads, failing on anything vLLM never sends. */
export function parseSseData(text: string): string[] {
  if (!text.endsWith("\n\n"))
    throw new Error(`stream does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -2)
    .split("\n\n")
    .map((event) => {
      if (!event.startsWith("data: ") || event.includes("\n"))
        throw new Error(`unexpected SSE event: ${event}`);
      return event.slice("data: ".length);
    });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `condition` holds (at most `timeoutMs`). */
export async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(5);
  }
}

/** Starts emulators inside tests and closes every one of them after each test (registers an `afterEach`). */
export function useEmulatorStarter(): (options?: EmulatorOptions) => Promise<VllmEmulator> {
  const started: VllmEmulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((emulator) => emulator.close()));
  });
  return async (options = {}) => {
    const emulator = await VllmEmulator.start(options);
    started.push(emulator);
    return emulator;
  };
}
