import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReceipt, receiptDataUrl } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

let emulator: VllmEmulator;
let gateway: RunningGateway;

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  gateway = await startGateway({ VLLM_URL: emulator.url });
});
afterAll(async () => {
  await gateway.close();
  await emulator.close();
});

function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((label) => line.includes(label))) total += Number(line.split(" ").at(-1));
  }
  return total;
}

describe("metrics", () => {
  it("count requests, tokens, pages, upstream time, time to first token and errors by code", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: receiptDataUrl("000") } },
          { type: "text", text: "提取图中的文字。" },
        ],
      },
    ];
    emulator.script({ text: "one two three" }, { tokens: ["a", "b", "c"] });
    const answer = await client.chat.completions.create({ model: "hunyuan-ocr", messages });
    const stream = await client.chat.completions.create({ model: "hunyuan-ocr", messages, stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    // The gateway asked vLLM for usage on the stream (for metrics) but the client, who did not, gets none.
    const streamed = (emulator.chatRequests[1]?.body ?? {}) as { stream_options?: unknown };
    expect(streamed.stream_options).toEqual({
      include_usage: true,
    });
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);

    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(readReceipt("001"))]), "r.jpg");
    expect((await fetch(`${gateway.url}/v1/ocr`, { method: "POST", body: form })).status).toBe(200);
    await client.chat.completions.create({ model: "nope", messages }).catch(() => undefined);

    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(
      sample(text, "ocr_gateway_tokens_total", { direction: "completion", backend: "vllm" }),
    ).toBeGreaterThanOrEqual((answer.usage?.completion_tokens ?? 0) + 3);
    expect(sample(text, "ocr_gateway_tokens_total", { direction: "prompt" })).toBeGreaterThan(300);
    expect(sample(text, "ocr_gateway_pages_total", { task: "text", backend: "vllm", outcome: "stop" })).toBe(
      1,
    );
    expect(sample(text, "ocr_gateway_upstream_duration_seconds_count", { outcome: "ok" })).toBe(3);
    expect(sample(text, "ocr_gateway_time_to_first_token_seconds_count")).toBe(2);
    expect(sample(text, "ocr_gateway_errors_total", { code: "model_not_found", status: "404" })).toBe(1);
    expect(
      sample(text, "ocr_gateway_requests_total", { route: "/v1/ocr", status: "200", task: "text" }),
    ).toBe(1);
    expect(sample(text, "ocr_gateway_requests_total", { route: "/v1/chat/completions", status: "200" })).toBe(
      2,
    );
    expect(sample(text, "ocr_gateway_overhead_seconds_count")).toBe(2);
    expect(sample(text, "ocr_gateway_preprocess_duration_seconds_count", { kind: "image" })).toBe(1);
    expect(sample(text, "ocr_gateway_upstream_healthy", { replica: emulator.url })).toBe(1);
  });
});
