import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { completedOcrBatch, toJsonl } from "../support/batch-fixtures.ts";
import { receiptDataUrl } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { type Json, waitForJob } from "../support/ocr-job-client.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

const ALICE = { authorization: "Bearer alice-key-123" };
const BOB = { authorization: "Bearer bob-key-4567" };

/** The same request options everywhere: the cache key includes the task and its options. */
const request = (receipt: string) => ({
  document: { type: "image_url", image_url: receiptDataUrl(receipt) },
  task: "text",
});

describe("jobs and batch lines use the result cache like /v1/ocr", () => {
  let emulator: VllmEmulator;
  let gateway: RunningGateway;

  beforeAll(async () => {
    emulator = await VllmEmulator.start();
    emulator.setDefaultAnswer(() => ({ text: "receipt text" }));
    gateway = await startGateway({
      VLLM_URL: emulator.url,
      API_KEYS: "alice-key-123,bob-key-4567",
      CACHE: "on",
      JOB_POLL_MS: "20",
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await emulator?.close();
  });

  async function ocr(receipt: string, headers: Record<string, string>): Promise<Response> {
    const response = await fetch(`${gateway.url}/v1/ocr`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(request(receipt)),
    });
    expect(response.status).toBe(200);
    return response;
  }

  async function job(receipt: string, headers: Record<string, string>): Promise<Json> {
    const response = await fetch(`${gateway.url}/v1/ocr/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(request(receipt)),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as Json;
    const done = await waitForJob(gateway.url, id, {
      headers: { authorization: headers.authorization ?? "" },
    });
    expect(done.status).toBe("completed");
    return done;
  }

  it("a job's pages hit the owner's entries and fill them; other owners and no-cache read afresh", async () => {
    await ocr("000", ALICE);
    const calls = emulator.chatRequests.length;
    const hit = await job("000", ALICE);
    expect(emulator.chatRequests.length).toBe(calls);
    expect(hit.result.pages[0].text).toBe("receipt text");

    await job("000", BOB);
    expect(emulator.chatRequests.length).toBe(calls + 1);
    await job("000", { ...ALICE, "cache-control": "no-cache" });
    expect(emulator.chatRequests.length).toBe(calls + 2);

    await job("001", ALICE);
    const filled = emulator.chatRequests.length;
    expect((await ocr("001", ALICE)).headers.get("x-cache")).toBe("hit");
    expect((await ocr("001", BOB)).headers.get("x-cache")).toBe("miss");
    expect(emulator.chatRequests.length).toBe(filled + 1);
  });

  it("a batch's /v1/ocr lines hit and fill the batch owner's entries", async () => {
    const openai = new OpenAI({ apiKey: "alice-key-123", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await ocr("002", ALICE);
    const calls = emulator.chatRequests.length;
    const lines = ["002", "003"].map((receipt) => ({
      custom_id: receipt,
      method: "POST",
      url: "/v1/ocr",
      body: request(receipt),
    }));
    const input = await openai.files.create({
      file: await toFile(Buffer.from(toJsonl(lines)), "in.jsonl"),
      purpose: "batch",
    });
    const done = await completedOcrBatch(openai, input.id);
    expect(done.request_counts).toMatchObject({ total: 2, completed: 2 });
    // 002 came from Alice's cache; 003 was read once and kept for her.
    expect(emulator.chatRequests.length).toBe(calls + 1);
    expect((await ocr("003", ALICE)).headers.get("x-cache")).toBe("hit");
    expect((await ocr("003", BOB)).headers.get("x-cache")).toBe("miss");
  });
});
