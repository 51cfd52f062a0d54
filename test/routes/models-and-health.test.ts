import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

let emulator: VllmEmulator;
let gateway: RunningGateway;

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  gateway = await startGateway({ VLLM_URL: emulator.url, MODEL_ALIASES: "hunyuan-ocr,ocr" });
});

afterAll(async () => {
  await gateway.close();
  await emulator.close();
});

describe("models", () => {
  it("lists the served model and its aliases through the OpenAI SDK", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "unused" });
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(["tencent/HunyuanOCR", "hunyuan-ocr", "ocr"]);
    const alias = await client.models.retrieve("ocr");
    expect(alias).toMatchObject({ id: "ocr", root: "tencent/HunyuanOCR", backend: "vllm" });
  });
});

describe("health and readiness", () => {
  it("is alive and ready while vLLM is healthy, not ready when it is not", async () => {
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", backend: "vllm" });

    emulator.setHealthy(false);
    try {
      const notReady = await fetch(`${gateway.url}/ready`);
      expect(notReady.status).toBe(503);
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    } finally {
      emulator.setHealthy(true);
    }
  });

  it("answers unknown routes with a JSON 404", async () => {
    const response = await fetch(`${gateway.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: "route_not_found" } });
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });
});
