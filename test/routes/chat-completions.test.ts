import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { receiptDataUrl } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

let emulator: VllmEmulator;
let gateway: RunningGateway;
let client: OpenAI;
const image = receiptDataUrl("000");

const ocrMessages = (prompt = "提取图中的文字。"): OpenAI.ChatCompletionMessageParam[] => [
  {
    role: "user",
    content: [
      { type: "text", text: prompt },
      { type: "image_url", image_url: { url: image } },
    ],
  },
];

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  gateway = await startGateway({ VLLM_URL: emulator.url, UPSTREAM_TOTAL_TIMEOUT_MS: "3000" });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await emulator.close();
});

afterEach(() => emulator.reset());

describe("non-streaming chat completions", () => {
  it("returns vLLM's answer, maps the alias and applies HunyuanOCR's defaults", async () => {
    emulator.script({ text: "TAN WOON YANN\nTOTAL 9.00" });
    const { data, response } = await client.chat.completions
      .create({ model: "hunyuan-ocr", messages: ocrMessages(), max_tokens: 256 })
      .withResponse();

    expect(data.choices[0]?.message.content).toBe("TAN WOON YANN\nTOTAL 9.00");
    expect(data.choices[0]?.finish_reason).toBe("stop");
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.usage?.prompt_tokens).toBeGreaterThan(100);
    expect(Number(response.headers.get("x-gateway-overhead-ms"))).toBeGreaterThanOrEqual(0);
    expect(response.headers.get("x-request-id")).toBeTruthy();

    const sent = emulator.chatRequests[0]?.body as Record<string, unknown>;
    expect(sent.model).toBe("tencent/HunyuanOCR");
    expect(sent).toMatchObject({ temperature: 0, top_k: 1, repetition_penalty: 1, max_tokens: 256 });
    const messages = sent.messages as Array<{ role: string; content: unknown }>;
    expect(messages[0]).toEqual({ role: "system", content: "" });
    const parts = (messages[1]?.content ?? []) as Array<{ type: string }>;
    expect(parts.map((part) => part.type)).toEqual(["image_url", "text"]);
  });

  it("keeps what the client set and passes vLLM extras through", async () => {
    await client.chat.completions.create({
      model: "tencent/HunyuanOCR",
      messages: [{ role: "system", content: "You read receipts." }, ...ocrMessages()],
      temperature: 0.3,
      // vLLM extras are not in the SDK's types; they must reach vLLM untouched.
      ...({ top_k: 5, mm_processor_kwargs: { max_pixels: 1_000_000 }, skip_special_tokens: false } as object),
    });
    const sent = emulator.chatRequests[0]?.body as Record<string, unknown>;
    expect(sent).toMatchObject({
      temperature: 0.3,
      top_k: 5,
      repetition_penalty: 1,
      mm_processor_kwargs: { max_pixels: 1_000_000 },
      skip_special_tokens: false,
    });
    const messages = sent.messages as Array<{ role: string; content: unknown }>;
    expect(messages.filter((message) => message.role === "system")).toEqual([
      { role: "system", content: "You read receipts." },
    ]);
  });

  it("forwards the request id and gives vLLM a fresh one per request", async () => {
    await client.chat.completions.create(
      { model: "hunyuan-ocr", messages: ocrMessages() },
      { headers: { "x-request-id": "client-123" } },
    );
    await client.chat.completions.create(
      { model: "hunyuan-ocr", messages: ocrMessages() },
      { headers: { "x-request-id": "client-123" } },
    );
    const ids = emulator.chatRequests.map((request) => request.headers["x-request-id"]);
    expect(ids[0]).toMatch(/^client-123-/);
    expect(ids[1]).toMatch(/^client-123-/);
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe("streaming chat completions", () => {
  it("passes chunks through in order, the first before the upstream finishes", async () => {
    emulator.script({ tokens: ["TAN ", "WOON ", "YANN", "\n", "TOTAL"], tokenDelayMs: 150 });
    const started = performance.now();
    const stream = await client.chat.completions.create({
      model: "hunyuan-ocr",
      messages: ocrMessages(),
      stream: true,
      stream_options: { include_usage: true },
    });
    const arrivals: number[] = [];
    const deltas: string[] = [];
    let runningAtFirstChunk = -1;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      if (arrivals.length === 0) runningAtFirstChunk = emulator.runningRequests;
      arrivals.push(performance.now() - started);
      const delta = chunk.choices[0]?.delta;
      if (delta?.content) deltas.push(delta.content);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(["TAN ", "WOON ", "YANN", "\n", "TOTAL"]);
    expect(runningAtFirstChunk).toBe(1);
    const total = arrivals.at(-1) ?? 0;
    expect(arrivals[0]).toBeLessThan(total - 400);
    // vLLM counts the end-of-sequence token as a completion token.
    expect(usage?.completion_tokens).toBeGreaterThanOrEqual(5);
  });

  it("sends no usage chunk unless asked", async () => {
    emulator.script({ text: "hello" });
    const stream = await client.chat.completions.create({
      model: "hunyuan-ocr",
      messages: ocrMessages(),
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("ends a stream that breaks midway with an error event, never a clean truncated answer", async () => {
    emulator.script({ tokens: ["a", "b", "c", "d"], dropAfterTokens: 2 });
    const stream = await client.chat.completions.create({
      model: "hunyuan-ocr",
      messages: ocrMessages(),
      stream: true,
    });
    const received: string[] = [];
    const consume = async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta?.content ?? "");
    };
    await expect(consume()).rejects.toThrow(/closed the stream before it finished/);
    expect(received.join("")).toBe("ab");
  });

  it("passes an upstream mid-stream error event through as an error", async () => {
    emulator.script({
      tokens: ["a", "b", "c"],
      midStreamError: { afterTokens: 1, message: "engine hiccup" },
    });
    const stream = await client.chat.completions.create({
      model: "hunyuan-ocr",
      messages: ocrMessages(),
      stream: true,
    });
    const consume = async () => {
      for await (const _chunk of stream) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/engine hiccup/);
  });

  it("aborts the upstream request when the client disconnects", async () => {
    emulator.script({ tokens: Array.from({ length: 50 }, () => "x"), tokenDelayMs: 50 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "hunyuan-ocr", messages: ocrMessages(), stream: true },
      { signal: controller.signal },
    );
    const aborted = emulator.waitForAbort(5_000);
    let count = 0;
    // The SDK ends the iteration quietly (or throws an abort error) once its signal fires.
    await (async () => {
      for await (const _chunk of stream) {
        if (++count === 3) controller.abort();
      }
    })().catch(() => undefined);
    await aborted;
    expect(count).toBe(3);
    expect(emulator.abortedRequests).toBe(1);
  });
});

describe("errors", () => {
  const post = (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  it("404s an unknown model in OpenAI's shape", async () => {
    const error = await client.chat.completions
      .create({ model: "gpt-4o", messages: ocrMessages() })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    expect(emulator.chatRequests).toHaveLength(0);
  });

  it.each([
    ["invalid JSON", "{not json", "invalid_json", 400],
    ["missing messages", { model: "hunyuan-ocr" }, "invalid_request", 400],
    [
      "a bad content part",
      { messages: [{ role: "user", content: [{ type: "video", video: {} }] }] },
      "invalid_request",
      400,
    ],
    ["n > 1", { messages: [{ role: "user", content: "hi" }], n: 3 }, "invalid_request", 400],
  ])("400s %s", async (_name, body, code, status) => {
    const response = await post(body);
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: Record<string, unknown> };
    expect(json.error).toMatchObject({ code, type: "invalid_request_error" });
    expect(typeof json.error.message).toBe("string");
  });

  it("415s a body that is not JSON", async () => {
    const response = await post("hello", { "content-type": "text/plain" });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "unsupported_content_type",
    );
  });

  it("translates vLLM's 400 for too many images", async () => {
    const error = await client.chat.completions
      .create({
        model: "hunyuan-ocr",
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url: image } },
              { type: "image_url", image_url: { url: image } },
              { type: "text", text: "提取图中的文字。" },
            ],
          },
        ],
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("too_many_images");
    expect((error as Error).message).toMatch(/At most 1 image/);
  });

  it("translates a context overflow", async () => {
    const tiny = await VllmEmulator.start({ maxModelLen: 300 });
    const small = await startGateway({ VLLM_URL: tiny.url });
    try {
      const response = await fetch(`${small.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages: ocrMessages(), max_tokens: 100 }),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        "context_length_exceeded",
      );
    } finally {
      await small.close();
      await tiny.close();
    }
  });

  it("refuses max_tokens over MAX_TOKENS_CAP before calling vLLM", async () => {
    const error = await client.chat.completions
      .create({ model: "hunyuan-ocr", messages: ocrMessages(), max_tokens: 1_000_000 })
      .catch((caught: unknown) => caught);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("max_tokens_too_large");
    expect(emulator.chatRequests).toHaveLength(0);
  });

  it("retries a greedy request after an engine death (empty 500)", async () => {
    emulator.script({ httpError: { status: 500, rawBody: "" } });
    const response = await post({ messages: ocrMessages() });
    expect(response.status).toBe(200);
    expect(emulator.chatRequests).toHaveLength(2);
  });

  it("answers a sampled request's engine death with a retryable 503", async () => {
    emulator.script({ httpError: { status: 500, rawBody: "" } });
    const response = await post({ messages: ocrMessages(), temperature: 0.8, top_k: 5 });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("upstream_engine_dead");
  });

  it("turns a plain 500 into a 502 without leaking the body", async () => {
    emulator.script({ httpError: { status: 500, rawBody: "Internal Server Error: secret detail" } });
    const response = await post({ messages: ocrMessages() });
    expect(response.status).toBe(502);
    const text = await response.text();
    expect(JSON.parse(text).error.code).toBe("upstream_error");
    expect(text).not.toContain("secret detail");
  });

  it("retries a 503 with a fresh request id before answering", async () => {
    emulator.script({
      httpError: { status: 503, body: { error: { message: "busy", type: "x", code: 503 } } },
    });
    const response = await post({ messages: ocrMessages() });
    expect(response.status).toBe(200);
    const ids = emulator.chatRequests.map((request) => request.headers["x-request-id"]);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("passes a 503 storm on as a retryable 503 without leaking the upstream body", async () => {
    const storm = {
      httpError: {
        status: 503,
        body: { error: { message: "internal detail /srv/x", type: "x", code: 503 } },
      },
    };
    emulator.script(storm, storm, storm);
    const response = await post({ messages: ocrMessages() });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("1");
    expect(await response.text()).not.toContain("/srv/x");
    expect(emulator.chatRequests).toHaveLength(3);
  });

  it("504s when the upstream hangs past the total timeout", async () => {
    emulator.script({ hang: true });
    const response = await post({ messages: ocrMessages() });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "upstream_total_timeout",
    );
  });

  it("413s a body over MAX_BODY_BYTES", async () => {
    const small = await startGateway({ VLLM_URL: emulator.url, MAX_BODY_BYTES: "2048" });
    try {
      const response = await fetch(`${small.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages: ocrMessages() }),
      });
      expect(response.status).toBe(413);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("body_too_large");
    } finally {
      await small.close();
    }
  });

  it("503s when no upstream is listening", async () => {
    const orphan = await startGateway({ VLLM_URL: "http://127.0.0.1:9" });
    try {
      const response = await fetch(`${orphan.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages: ocrMessages() }),
      });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        "upstream_unavailable",
      );
      expect((await fetch(`${orphan.url}/ready`)).status).toBe(503);
    } finally {
      await orphan.close();
    }
  });

  it("keeps image data out of the logs", async () => {
    await client.chat.completions.create({ model: "hunyuan-ocr", messages: ocrMessages() });
    expect(gateway.rawLogs()).not.toContain(image.slice(30, 80));
  });
});

describe("non-streaming client abort", () => {
  it("aborts the upstream request when the client gives up waiting", async () => {
    emulator.script({ tokens: Array.from({ length: 40 }, () => "x"), tokenDelayMs: 50 });
    const controller = new AbortController();
    const aborted = emulator.waitForAbort(5_000);
    const pending = client.chat.completions.create(
      { model: "hunyuan-ocr", messages: ocrMessages() },
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 300);
    await expect(pending).rejects.toThrow();
    await aborted;
    expect(emulator.abortedRequests).toBe(1);
  });
});
