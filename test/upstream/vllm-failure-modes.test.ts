import type OpenAI from "openai";
import type { APIError } from "openai";
import { describe, expect, it } from "vitest";
import { readReceipt, receiptDataUrl } from "../support/fixtures.ts";
import { metricValue, useUpstreamBed } from "../support/upstream-bed.ts";
import type { VllmEmulator } from "../support/vllm-emulator/index.ts";

const bed = useUpstreamBed();

/** The error a request fails with (the test fails if it succeeds). */
async function failureOf(pending: Promise<unknown>): Promise<APIError> {
  try {
    await pending;
  } catch (error) {
    return error as APIError;
  }
  throw new Error("expected the request to fail");
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i > 400) throw new Error("condition not met within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const receipt = readReceipt("000");
const truncatedJpeg = `data:image/jpeg;base64,${receipt.subarray(0, receipt.length / 2).toString("base64")}`;
const messagesWith = (url: string): OpenAI.ChatCompletionMessageParam[] => [
  {
    role: "user",
    content: [
      { type: "image_url", image_url: { url } },
      { type: "text", text: "提取图中的文字。" },
    ],
  },
];
const messages = messagesWith(receiptDataUrl("000"));

/** Two replicas of a vLLM version whose bugs matter here (before 0.19), and a gateway over them. */
async function twoReplicas(env: Record<string, string> = {}) {
  const a = await bed.emulator({ version: "0.12.0" });
  const b = await bed.emulator({ version: "0.12.0" });
  const { gw, client } = await bed.gateway({
    VLLM_URL: `${a.url},${b.url}`,
    UPSTREAM_EJECT_AFTER_FAILURES: "2",
    ...env,
  });
  return { a, b, gw, client };
}

const healthy = (gw: Parameters<typeof metricValue>[0], replica: VllmEmulator) =>
  metricValue(gw, new RegExp(`^ocr_gateway_upstream_healthy\\{replica="${replica.url}"[,}]`));

function postOcr(url: string, stream = false): Promise<Response> {
  const form = new FormData();
  form.set("file", new Blob([new Uint8Array(receipt)], { type: "image/jpeg" }), "receipt.jpg");
  if (stream) form.set("stream", "true");
  return fetch(`${url}/v1/ocr`, { method: "POST", body: form });
}

describe("a client's corrupt image", () => {
  it("is the client's 400 and never reaches or ejects a replica", async () => {
    const { a, b, gw, client } = await twoReplicas();
    for (let i = 0; i < 4; i++) {
      const failure = await failureOf(
        client.chat.completions.create({ model: "hunyuan-ocr", messages: messagesWith(truncatedJpeg) }),
      );
      expect(failure).toMatchObject({ status: 400, code: "invalid_image" });
    }
    expect(a.chatRequests.length + b.chatRequests.length).toBe(0);
    expect(await healthy(gw, a)).toBe(1);
    expect(await healthy(gw, b)).toBe(1);
    // The next requests still spread over both replicas.
    await Promise.all(
      Array.from({ length: 4 }, () => client.chat.completions.create({ model: "hunyuan-ocr", messages })),
    );
    expect(a.completedRequests).toBeGreaterThan(0);
    expect(b.completedRequests).toBeGreaterThan(0);
  });

  it("that slips past the check (a plain 500 from vLLM) fails that request only", async () => {
    const { a, b, gw, client } = await twoReplicas();
    const plain500 = { httpError: { status: 500, rawBody: "Internal Server Error" } };
    a.script(...Array.from({ length: 6 }, () => plain500));
    b.script(...Array.from({ length: 6 }, () => plain500));
    for (let i = 0; i < 6; i++) {
      const failure = await failureOf(client.chat.completions.create({ model: "hunyuan-ocr", messages }));
      expect(failure).toMatchObject({ status: 502, code: "upstream_error" });
    }
    // Each request went to one replica exactly once: a content error is not retried elsewhere either.
    expect(a.chatRequests.length + b.chatRequests.length).toBe(6);
    expect(await healthy(gw, a)).toBe(1);
    expect(await healthy(gw, b)).toBe(1);
  });
});

describe("an engine death", () => {
  it("fails over: requests in flight on the dead replica are answered by the other", async () => {
    const { a, b, gw, client } = await twoReplicas();
    // Whatever lands on `a` waits until its engine dies; `b` holds its first two for a while, so that the
    // least-loaded choice alternates: chat → a, chat → b, OCR → a, chat → b, streamed OCR → a.
    a.setDefaultAnswer(() => ({ hang: true }));
    b.script(...Array.from({ length: 2 }, () => ({ text: "TOTAL 9.00", firstTokenDelayMs: 1_500 })));
    const chat = () => client.chat.completions.create({ model: "hunyuan-ocr", messages, temperature: 0 });
    const sent: Array<Promise<unknown>> = [];
    const send = async (start: () => Promise<unknown>, on: VllmEmulator) => {
      const before = on.chatRequests.length;
      sent.push(start());
      await until(() => on.chatRequests.length > before);
    };
    await send(chat, a);
    await send(chat, b);
    await send(() => postOcr(gw.url), a);
    await send(chat, b);
    await send(() => postOcr(gw.url, true), a);
    a.killEngine({ listenerCloseMs: 200 });

    const [chat1, chat2, whole, chat3, streamed] = (await Promise.all(sent)) as [
      OpenAI.ChatCompletion,
      OpenAI.ChatCompletion,
      Response,
      OpenAI.ChatCompletion,
      Response,
    ];
    for (const answer of [chat1, chat2, chat3]) expect(answer.choices[0]?.finish_reason).toBe("stop");
    expect(whole.status).toBe(200);
    expect(((await whole.json()) as { text: string }).text).toContain("TOTAL");
    const events = await streamed.text();
    expect(events).toContain("event: page.retry");
    expect(events).toContain("event: done");
    expect(events).not.toContain("event: error");
    expect(await healthy(gw, a)).toBe(0);
    // Later requests go to the survivor only, also once the dead replica stopped listening.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = b.completedRequests;
    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: "hunyuan-ocr", messages });
    expect(b.completedRequests).toBe(before + 3);
  });

  it("ends a passthrough stream that already sent bytes with an error event", async () => {
    const { a, client } = await twoReplicas();
    a.setDefaultAnswer(() => ({ tokens: Array.from({ length: 50 }, () => "x "), tokenDelayMs: 30 }));
    const stream = await client.chat.completions.create({ model: "hunyuan-ocr", messages, stream: true });
    let received = 0;
    const consume = (async () => {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content && ++received === 2) a.killEngine({ listenerCloseMs: 200 });
      }
    })();
    await expect(consume).rejects.toThrow(/EngineCore encountered an issue/);
  });

  it("is answered 503 with retry-after, not retried, for a request that is not greedy", async () => {
    const { a, b, client } = await twoReplicas();
    a.setDefaultAnswer(() => ({ hang: true }));
    b.setDefaultAnswer(() => ({ hang: true }));
    const pending = failureOf(
      client.chat.completions.create({
        model: "hunyuan-ocr",
        messages,
        temperature: 0.7,
        top_k: 5,
      } as OpenAI.ChatCompletionCreateParamsNonStreaming),
    );
    for (let i = 0; a.runningRequests + b.runningRequests === 0; i++) {
      if (i > 400) throw new Error("the request never reached a replica");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    (a.runningRequests > 0 ? a : b).killEngine();
    const failure = await pending;
    expect(failure).toMatchObject({ status: 503, code: "upstream_engine_dead" });
    expect(failure.headers?.get("retry-after")).toBe("1");
    expect(a.chatRequests.length + b.chatRequests.length).toBe(1);
  });
});

describe("a poison schema", () => {
  const poison = {
    type: "object",
    properties: { total: { type: "string", pattern: "^(?=\\d)[\\d.]+$" } },
  };
  const shapes: Array<[string, Record<string, unknown>]> = [
    [
      "response_format",
      { response_format: { type: "json_schema", json_schema: { name: "r", schema: poison } } },
    ],
    ["structured_outputs", { structured_outputs: { json: poison } }],
    ["guided_json (as a string)", { guided_json: JSON.stringify(poison) }],
  ];

  it.each(shapes)("in %s is a 422 that never reaches a replica", async (_name, fields) => {
    const { a, b, gw } = await twoReplicas();
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages, ...fields }),
    });
    expect(response.status).toBe(422);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("unsupported_schema");
    expect(error.message).toContain("/properties/total/pattern");
    expect(a.chatRequests.length + b.chatRequests.length).toBe(0);
    expect(a.engineDead || b.engineDead).toBe(false);
  });

  it("given as a string in response_format is a 400 naming the field", async () => {
    const { a, b, gw } = await twoReplicas();
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        messages,
        response_format: { type: "json_schema", json_schema: { name: "r", schema: JSON.stringify(poison) } },
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: "invalid_schema", param: "response_format.json_schema.schema" },
    });
    expect(a.chatRequests.length + b.chatRequests.length).toBe(0);
  });

  it("accepts a supported schema with any root type and forwards it unchanged", async () => {
    const { a, b, gw } = await twoReplicas();
    const schema = { type: "array", items: { type: "string", pattern: "^[0-9.]+$" } };
    const response = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        messages,
        response_format: { type: "json_schema", json_schema: { name: "r", schema } },
      }),
    });
    expect(response.status).toBe(200);
    const sent = [...a.chatRequests, ...b.chatRequests][0]?.body as { response_format: unknown };
    expect(sent.response_format).toEqual({ type: "json_schema", json_schema: { name: "r", schema } });
  });
});

describe("huge upstream error messages", () => {
  it("are cut before they reach the client or the logs", async () => {
    const a = await bed.emulator({ version: "0.19.0" });
    const { gw, client } = await bed.gateway({ VLLM_URL: a.url });
    const huge = `Failed to load image: original_bytes=b'${"\\xff".repeat(20_000)}'`;
    a.script({
      httpError: { status: 400, body: { error: { message: huge, type: "BadRequestError", code: 400 } } },
    });
    const failure = await failureOf(client.chat.completions.create({ model: "hunyuan-ocr", messages }));
    expect(failure.status).toBe(400);
    expect(failure.message.length).toBeLessThan(700);
    expect(gw.rawLogs()).not.toContain("\\xff".repeat(200));
  });
});
