import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VllmEmulator } from "./index.ts";
import { parseSseData, postJson } from "./test-kit.ts";

let emulator: VllmEmulator;
beforeAll(async () => {
  emulator = await VllmEmulator.start();
});
afterAll(() => emulator.close());

describe("vLLM emulator text completions", () => {
  it("generates 16 tokens by default, cut with finish_reason length", async () => {
    const response = await postJson(emulator.url, "/v1/completions", {
      model: "tencent/HunyuanOCR",
      prompt: "Receipt:",
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      id: string;
      object: string;
      choices: { text: string; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    expect(body.id).toMatch(/^cmpl-/);
    expect(body.object).toBe("text_completion");
    expect(body.choices[0]?.finish_reason).toBe("length");
    expect(body.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 16 });
  });

  it("streams text chunks ending with [DONE]", async () => {
    const response = await postJson(emulator.url, "/v1/completions", {
      prompt: "Receipt:",
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const events = parseSseData(await response.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as { choices: { text: string }[] });
    expect(
      chunks
        .slice(0, -1)
        .map((chunk) => chunk.choices[0]?.text)
        .join(""),
    ).toBe("BOOK TA ");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: 3 } });
  });
});
