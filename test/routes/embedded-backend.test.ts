import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSroieSample, type SroieReceipt } from "../../gateway/eval/sroie-dataset.ts";
import { characterErrorRate } from "../../gateway/eval/text-metrics.ts";
import { readReceipt, receiptDataUrl, SROIE_DIR } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";

import { VllmEmulator } from "../support/vllm-emulator/index.ts";

const ENGINE_ID = "embedded:ppocr-v4";
let gateway: RunningGateway;
let receipts: SroieReceipt[];

beforeAll(async () => {
  // No VLLM_URL: the embedded CPU engine serves, as after `npm install && npm start`.
  gateway = await startGateway({ EMBEDDED_MAX_QUEUE: "16" });
  receipts = await loadSroieSample(SROIE_DIR);
}, 60_000);

afterAll(async () => {
  await gateway.close();
});

function upload(id: string, fields: Record<string, string>): Promise<Response> {
  const form = new FormData();
  form.set("file", new Blob([new Uint8Array(readReceipt(id))]), `${id}.jpg`);
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return fetch(`${gateway.url}/v1/ocr`, { method: "POST", body: form });
}

interface OcrBody {
  backend: string;
  text: string;
  pages: Array<{
    dimensions: { width: number; height: number };
    confidence?: number;
    box_units?: string;
    boxes?: Array<{
      text: string;
      box: { x1: number; y1: number; x2: number; y2: number };
      confidence?: number;
    }>;
  }>;
}

describe("embedded engine behind /v1/ocr", () => {
  it("names the engine, not HunyuanOCR, in /v1/models and still accepts the model's names", async () => {
    const models = (await (await fetch(`${gateway.url}/v1/models`)).json()) as {
      data: Array<{ id: string; backend: string; root: string; parent: string | null }>;
    };
    expect(models.data[0]).toEqual(
      expect.objectContaining({ id: ENGINE_ID, backend: "embedded", root: ENGINE_ID, parent: null }),
    );
    expect(models.data.filter((model) => model.parent == null)).toHaveLength(1);
    const alias = models.data.find((model) => model.id === "tencent/HunyuanOCR");
    expect(alias).toMatchObject({ root: ENGINE_ID, parent: ENGINE_ID });
    const answer = (await (await upload("000", { task: "text" })).json()) as { model: string };
    expect(answer.model).toBe(ENGINE_ID);
  });

  it("lists every task in /v1/tasks, saying which the engine runs and that it ignores `language`", async () => {
    const tasks = (await (await fetch(`${gateway.url}/v1/tasks`)).json()) as {
      backend: string;
      data: Array<{ name: string; available: boolean; ignored_options: string[] }>;
    };
    expect(tasks.backend).toBe("embedded");
    const available = tasks.data.filter((task) => task.available).map((task) => task.name);
    expect(available).toEqual(expect.arrayContaining(["text", "spotting", "document"]));
    expect(available).not.toContain("fields");
    expect(tasks.data.find((task) => task.name === "text")?.ignored_options).toContain("language");
  });

  it("refuses a prompt language the task has none in with the same 400 as on vLLM", async () => {
    const emulator = await VllmEmulator.start();
    const onVllm = await startGateway({ VLLM_URL: emulator.url, LOG_LEVEL: "silent" });
    try {
      const embedded = await upload("000", { task: "text", language: "fr" });
      const form = new FormData();
      form.set("file", new Blob([new Uint8Array(readReceipt("000"))]), "000.jpg");
      form.set("task", "text");
      form.set("language", "fr");
      const vllm = await fetch(`${onVllm.url}/v1/ocr`, { method: "POST", body: form });
      expect(embedded.status).toBe(400);
      expect(vllm.status).toBe(400);
      const body = await embedded.json();
      expect(body).toEqual(await vllm.json());
      expect(body).toMatchObject({ error: { code: "unsupported_language", param: "language" } });
      expect(emulator.completedRequests).toBe(0);
      // A language the task has is accepted (and ignored) by the engine.
      expect((await upload("000", { task: "text", language: "en" })).status).toBe(200);
    } finally {
      await onVllm.close();
      await emulator.close();
    }
  });

  it("reads a receipt's text with a CER under the measured threshold", async () => {
    const receipt = receipts.find((item) => item.id === "002");
    const response = await upload("002", { task: "extract_text", language: "zh" });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-ocr-backend")).toBe("embedded");
    const body = (await response.json()) as OcrBody;
    expect(body.backend).toBe("embedded");
    // Measured 9.5 % on this receipt (14.1 % over the sample); 20 % leaves room for run-to-run noise.
    expect(characterErrorRate(receipt?.truth ?? "", body.text)).toBeLessThan(0.2);
    expect(body.pages[0]?.confidence).toBeGreaterThan(0.5);
  });

  it("spots lines with pixel boxes inside the original image and a confidence per line", async () => {
    const body = (await (await upload("000", { task: "spotting" })).json()) as OcrBody;
    const page = body.pages[0];
    expect(page?.box_units).toBe("pixels");
    expect(page?.boxes?.length).toBeGreaterThan(10);
    for (const { box, confidence } of page?.boxes ?? []) {
      expect(box.x1).toBeGreaterThanOrEqual(0);
      expect(box.x2).toBeLessThanOrEqual(page?.dimensions.width ?? 0);
      expect(box.y2).toBeLessThanOrEqual(page?.dimensions.height ?? 0);
      expect(box.x2).toBeGreaterThan(box.x1);
      expect(confidence).toBeGreaterThan(0);
      expect(confidence).toBeLessThanOrEqual(1);
    }
    const total = page?.boxes?.find((line) => /TOTAL/i.test(line.text));
    expect(total?.box.y1).toBeGreaterThan((page?.dimensions.height ?? 0) / 2);
  });

  it("answers 501 task_needs_vlm_backend for tasks that need the model", async () => {
    const requests: Array<Record<string, string>> = [
      { task: "fields", fields: "total" },
      { task: "translate", target_language: "en" },
      { task: "table" },
    ];
    for (const fields of requests) {
      const response = await upload("000", fields);
      expect(response.status).toBe(501);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("task_needs_vlm_backend");
      expect(body.error.message).toContain("VLLM_URL");
    }
  });
});

describe("embedded engine behind /v1/chat/completions", () => {
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    {
      role: "user",
      content: [
        { type: "image_url", image_url: { url: receiptDataUrl("002") } },
        { type: "text", text: "提取图中的文字。" },
      ],
    },
  ];

  it("answers with the recognised text, streaming or not, naming the engine as the model", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: "hunyuan-ocr", messages });
    expect(answer.model).toBe(ENGINE_ID);
    const text = answer.choices[0]?.message.content ?? "";
    expect(text).toMatch(/TOTAL/i);
    const stream = await client.chat.completions.create({
      model: "hunyuan-ocr",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      expect(chunk.model).toBe(ENGINE_ID);
      streamed += chunk.choices[0]?.delta?.content ?? "";
      usage ??= chunk.usage;
    }
    expect(streamed).toBe(text);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("400s a chat request without an image", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "hello" }] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("image_required");
  });
});

describe("event loop stays free", () => {
  it("keeps /health fast while 8 OCR requests run", async () => {
    const work = ["000", "001", "002", "003", "004", "005", "006", "007"].map((id) =>
      upload(id, { task: "text" }),
    );
    const latencies: number[] = [];
    let finished = false;
    const all = Promise.all(work).finally(() => {
      finished = true;
    });
    while (!finished) {
      const started = performance.now();
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const statuses = (await all).map((response) => response.status);
    expect(statuses.every((status) => status === 200)).toBe(true);
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    expect(latencies.length).toBeGreaterThan(10);
    expect(p99).toBeLessThan(250);
  }, 120_000);
});
