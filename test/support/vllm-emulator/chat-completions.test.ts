import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { VllmEmulator } from "./index.ts";
import { ocrBody, parseSseData, postJson, receiptDataUrl, spottingPrompt, textBody } from "./test-kit.ts";

let emulator: VllmEmulator;
let receipt: string;
beforeAll(async () => {
  emulator = await VllmEmulator.start();
  receipt = receiptDataUrl();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

type ChatResponse = {
  id: string;
  object: string;
  model: string;
  choices: { message: { role: string; content: string }; finish_reason: string; stop_reason: null }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
};

async function chat(body: unknown, headers: Record<string, string> = {}): Promise<ChatResponse> {
  const response = await postJson(emulator.url, "/v1/chat/completions", body, headers);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json");
  return (await response.json()) as ChatResponse;
}

describe("vLLM emulator chat completions (non-streaming)", () => {
  it("answers a spotting request in vLLM's shape, special tokens skipped", async () => {
    const body = await chat(ocrBody(receipt, spottingPrompt));
    expect(body).toMatchObject({
      object: "chat.completion",
      model: "tencent/HunyuanOCR",
      prompt_logprobs: null,
    });
    expect(body.id).toMatch(/^chatcmpl-[0-9a-f]{32}$/);
    const choice = body.choices[0];
    expect(choice).toMatchObject({ index: 0, logprobs: null, finish_reason: "stop", stop_reason: null });
    expect(choice?.message).toMatchObject({ role: "assistant", tool_calls: [] });
    expect(choice?.message.content).toMatch(
      /^BOOK TA \.K \(TAMAN DAYA\) SDN BHD\(112,95\),\(889,120\)NO\.53/,
    );
    expect(choice?.message.content).not.toContain("<");
    // 463×1013 resizes to 448×1024: 32 × (14 + 1) + 2 image tokens, plus ceil(23 chars / 3) of text.
    expect(body.usage.prompt_tokens).toBe(32 * 15 + 2 + 8);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it("prints the placeholder tokens with skip_special_tokens: false", async () => {
    const body = await chat(ocrBody(receipt, spottingPrompt, { skip_special_tokens: false }));
    expect(body.choices[0]?.message.content).toMatch(
      /^<｜hy_place▁holder▁no▁112｜>BOOK TA .K \(TAMAN DAYA\) SDN BHD<｜hy_place▁holder▁no▁113｜><｜hy_place▁holder▁no▁110｜>\(112,95\),\(889,120\)<｜hy_place▁holder▁no▁111｜>/,
    );
  });

  it("answers the plain-text prompt with receipt lines", async () => {
    const body = await chat(ocrBody(receipt, "提取图中的文字。"));
    expect(body.choices[0]?.message.content.split("\n")).toContain("TOTAL: 9.00");
  });

  it("cuts the text at max_tokens with finish_reason length, and counts the EOS token on stop", async () => {
    emulator.script({ text: "a b c d e f" }, { text: "a b c" });
    const cut = await chat(textBody("go", { max_tokens: 3 }));
    expect(cut.choices[0]).toMatchObject({ finish_reason: "length", message: { content: "a b c" } });
    expect(cut.usage.completion_tokens).toBe(3);
    const stopped = await chat(textBody("go", { max_tokens: 10 }));
    expect(stopped.choices[0]?.finish_reason).toBe("stop");
    expect(stopped.usage.completion_tokens).toBe(4);
  });

  it("cuts at a stop string and reports it as stop_reason", async () => {
    emulator.script({ text: "TOTAL 9.00\nCHANGE 1.00" });
    const body = await chat(textBody("go", { stop: ["\nCHANGE"] }));
    expect(body.choices[0]).toMatchObject({
      finish_reason: "stop",
      stop_reason: "\nCHANGE",
      message: { content: "TOTAL 9.00" },
    });
  });

  it("takes the response id from X-Request-Id and records the request as received", async () => {
    const body = await chat(textBody("hello"), { "x-request-id": "req-42" });
    expect(body.id).toBe("chatcmpl-req-42");
    expect(emulator.chatRequests).toHaveLength(1);
    expect(emulator.chatRequests[0]?.headers["x-request-id"]).toBe("req-42");
    expect(emulator.chatRequests[0]?.body).toEqual(textBody("hello"));
    expect(emulator.completedRequests).toBe(1);
  });

  it("accepts a request without model and answers with the first served name", async () => {
    const body = await chat({ messages: [{ role: "user", content: "hi" }] });
    expect(body.model).toBe("tencent/HunyuanOCR");
  });

  it("works with the official openai SDK", async () => {
    const client = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "tencent/HunyuanOCR",
      messages: [
        { role: "system", content: "" },
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: receipt } },
            { type: "text", text: "Extract the text in the image." },
          ],
        },
      ],
      max_tokens: 200,
    });
    expect(completion.choices[0]?.message.content).toContain("TOTAL: 9.00");
  });
});

describe("vLLM emulator chat completions (streaming)", () => {
  async function streamEvents(body: Record<string, unknown>): Promise<string[]> {
    const response = await postJson(emulator.url, "/v1/chat/completions", { ...body, stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    return parseSseData(await response.text());
  }

  it("frames the stream exactly like vLLM: role chunk, one token per chunk, final chunk, [DONE]", async () => {
    emulator.script({ text: "TOTAL 9.00" });
    const events = await streamEvents(textBody("go"));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as Record<string, unknown>);
    const ids = new Set(chunks.map((chunk) => chunk.id));
    const created = new Set(chunks.map((chunk) => chunk.created));
    expect(ids.size).toBe(1);
    expect(created.size).toBe(1);
    expect(
      chunks.every((chunk) => chunk.object === "chat.completion.chunk" && !("system_fingerprint" in chunk)),
    ).toBe(true);
    expect(chunks[0]?.choices).toEqual([
      { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
    ]);
    const deltas = chunks
      .slice(1, -1)
      .map((chunk) => (chunk.choices as { delta: { content: string } }[])[0]?.delta);
    expect(deltas).toEqual([
      { content: "TOTA" },
      { content: "L" },
      { content: " 9" },
      { content: "." },
      { content: "00" },
    ]);
    expect(chunks.at(-1)?.choices).toEqual([
      { index: 0, delta: { content: "" }, logprobs: null, finish_reason: "stop", stop_reason: null },
    ]);
  });

  it("sends the usage chunk only when asked: include_usage true or stream_options {}", async () => {
    const usageChunks = async (streamOptions: unknown) => {
      emulator.script({ text: "a b" });
      const extra = streamOptions === undefined ? {} : { stream_options: streamOptions };
      const events = await streamEvents(textBody("go", extra));
      return events
        .slice(0, -1)
        .map((event) => JSON.parse(event) as { choices: unknown[]; usage?: unknown })
        .filter((chunk) => chunk.usage !== undefined);
    };
    expect(await usageChunks(undefined)).toEqual([]);
    expect(await usageChunks({ include_usage: false })).toEqual([]);
    const [explicit] = await usageChunks({ include_usage: true });
    expect(explicit).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 1, completion_tokens: 3, total_tokens: 4 },
    });
    expect(await usageChunks({})).toHaveLength(1);
    const continuous = await usageChunks({ include_usage: true, continuous_usage_stats: true });
    expect(continuous.length).toBeGreaterThan(3);
  });

  it("puts the last token on the final chunk when max_tokens cuts the text", async () => {
    emulator.script({ text: "a b c d" });
    const events = await streamEvents(textBody("go", { max_tokens: 2 }));
    const final = JSON.parse(events.at(-2) as string) as { choices: unknown[] };
    expect(final.choices).toEqual([
      { index: 0, delta: { content: " b" }, logprobs: null, finish_reason: "length", stop_reason: null },
    ]);
  });

  it("streams through the openai SDK and concatenates to the scripted text", async () => {
    emulator.script({ text: "检测 text, 42!" });
    const client = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "tencent/HunyuanOCR",
      messages: [{ role: "user", content: "go" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("检测 text, 42!");
    expect(usage).toMatchObject({ completion_tokens: 8 });
  });

  it("turns a scripted mid-stream error into an SSE error event, then [DONE]", async () => {
    emulator.script({
      text: "a b c d",
      midStreamError: { afterTokens: 2, message: "engine hiccup", status: 500 },
    });
    const events = await streamEvents(textBody("go"));
    expect(events.slice(-2)).toEqual([
      '{"error": {"message": "engine hiccup", "type": "InternalServerError", "param": null, "code": 500}}',
      "[DONE]",
    ]);
    emulator.script({ text: "a b c d", midStreamError: { afterTokens: 1, message: "bad thing" } });
    const client = new OpenAI({ baseURL: `${emulator.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "tencent/HunyuanOCR",
      messages: [{ role: "user", content: "go" }],
      stream: true,
    });
    await expect(async () => {
      for await (const _chunk of stream) {
        // drain
      }
    }).rejects.toThrow(/bad thing/);
  });
});
