import type OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { receiptDataUrl } from "../support/fixtures.ts";
import { metricValue, useUpstreamBed } from "../support/upstream-bed.ts";

const image = receiptDataUrl("000");
const messages: OpenAI.ChatCompletionMessageParam[] = [
  {
    role: "user",
    content: [
      { type: "image_url", image_url: { url: image } },
      { type: "text", text: "提取图中的文字。" },
    ],
  },
];

const bed = useUpstreamBed();
const emulator = bed.emulator;
const gateway = bed.gateway;

describe("fault tolerance with two replicas", () => {
  it("fails over when one of two replicas is down", async () => {
    const up = await emulator();
    const { client } = await gateway({ VLLM_URL: `http://127.0.0.1:9,${up.url}` });
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => client.chat.completions.create({ model: "hunyuan-ocr", messages })),
    );
    expect(answers.every((answer) => (answer.choices[0]?.message.content ?? "").length > 0)).toBe(true);
    expect(up.completedRequests).toBe(6);
  });

  it("routes around a replica in a 503 storm and takes it out of rotation", async () => {
    const stormy = await emulator();
    const calm = await emulator();
    stormy.setDefaultAnswer(() => ({
      httpError: { status: 503, body: { error: { message: "overloaded", code: 503 } } },
    }));
    const { gw, client } = await gateway({
      VLLM_URL: `${stormy.url},${calm.url}`,
      UPSTREAM_EJECT_AFTER_FAILURES: "2",
    });
    for (let i = 0; i < 8; i++) await client.chat.completions.create({ model: "hunyuan-ocr", messages });
    expect(calm.completedRequests).toBe(8);
    expect(stormy.chatRequests.length).toBeLessThanOrEqual(3);
    const stormyHealth = await metricValue(
      gw,
      new RegExp(`^ocr_gateway_upstream_healthy\\{replica="${stormy.url}"[,}]`),
    );
    expect(stormyHealth).toBe(0);
    expect(
      await metricValue(gw, /^ocr_gateway_upstream_retries_total\{reason="status_503"\}/),
    ).toBeGreaterThan(0);
  });

  it("ends a stream with an error event when its replica dies midway, and the next request fails over", async () => {
    const doomed = await emulator();
    const healthy = await emulator();
    doomed.setDefaultAnswer(() => ({ tokens: Array.from({ length: 40 }, () => "x "), tokenDelayMs: 20 }));
    const { client } = await gateway({
      VLLM_URL: `${doomed.url},${healthy.url}`,
      UPSTREAM_EJECT_AFTER_FAILURES: "1",
    });
    // The first request goes to the first replica (both idle); kill it while the stream is running.
    const stream = await client.chat.completions.create({ model: "hunyuan-ocr", messages, stream: true });
    let received = 0;
    const consume = (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content && ++received === 3) void doomed.close();
      }
    })();
    await expect(consume).rejects.toThrow(/closed the stream|could not be reached|interrupted/);
    expect(received).toBeGreaterThanOrEqual(3);
    const after = await client.chat.completions.create({ model: "hunyuan-ocr", messages });
    expect(after.choices[0]?.finish_reason).toBe("stop");
    expect(healthy.completedRequests).toBe(1);
  });
});

describe("timeouts", () => {
  it("ends a stream whose tokens stop coming with an idle-timeout error event", async () => {
    const slow = await emulator();
    slow.script({ tokens: ["a", "b", "c"], tokenDelayMs: 1_500 });
    const { client } = await gateway({ VLLM_URL: slow.url, UPSTREAM_IDLE_TIMEOUT_MS: "300" });
    const stream = await client.chat.completions.create({ model: "hunyuan-ocr", messages, stream: true });
    const consume = async () => {
      for await (const _chunk of stream) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/idle timeout/);
    await slow.waitForAbort(3_000);
  });

  it("gives a streaming request a first-token deadline", async () => {
    const slow = await emulator();
    slow.script({ text: "late", firstTokenDelayMs: 2_000 });
    const { client } = await gateway({ VLLM_URL: slow.url, UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: "300" });
    const stream = await client.chat.completions.create({ model: "hunyuan-ocr", messages, stream: true });
    const consume = async () => {
      for await (const _chunk of stream) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/first_token timeout/);
  });
});

describe("backpressure", () => {
  it("answers 429 with retry-after when the wait queue is full, and serves the rest", async () => {
    const busy = await emulator();
    busy.setDefaultAnswer(() => ({ text: "done", firstTokenDelayMs: 400 }));
    const { gw } = await gateway({
      VLLM_URL: busy.url,
      UPSTREAM_MAX_CONCURRENCY: "1",
      UPSTREAM_MAX_QUEUE: "1",
    });
    const send = () =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages }),
      });
    const responses = await Promise.all([send(), send(), send()]);
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const refused = responses.find((response) => response.status === 429);
    expect(refused?.headers.get("retry-after")).toBe("1");
    expect(await refused?.json()).toMatchObject({ error: { code: "queue_full", type: "rate_limit_error" } });
    expect(await metricValue(gw, /^ocr_gateway_queue_rejections_total /)).toBe(1);
  });
});
