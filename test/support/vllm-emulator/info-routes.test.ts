import { describe, expect, it } from "vitest";
import { postJson, textBody, useEmulatorStarter } from "./test-kit.ts";

const start = useEmulatorStarter();

describe("vLLM emulator info routes", () => {
  it("lists every served name with max_model_len, root and permissions", async () => {
    const emu = await start({ servedModelNames: ["tencent/HunyuanOCR", "hunyuan-ocr"], maxModelLen: 8192 });
    const response = await fetch(`${emu.url}/v1/models`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { object: string; data: Record<string, unknown>[] };
    expect(body.object).toBe("list");
    expect(body.data.map((card) => card.id)).toEqual(["tencent/HunyuanOCR", "hunyuan-ocr"]);
    expect(body.data[1]).toMatchObject({
      object: "model",
      owned_by: "vllm",
      root: "tencent/HunyuanOCR",
      parent: null,
      max_model_len: 8192,
    });
    expect(body.data[1]?.permission).toEqual([expect.objectContaining({ object: "model_permission" })]);
  });

  it("answers /health with 200 and an empty body, 503 once the engine is dead", async () => {
    const emu = await start();
    const healthy = await fetch(`${emu.url}/health`);
    expect(healthy.status).toBe(200);
    expect(await healthy.text()).toBe("");
    emu.setHealthy(false);
    expect((await fetch(`${emu.url}/health`)).status).toBe(503);
    const chat = await postJson(emu.url, "/v1/chat/completions", textBody("hi"));
    expect(chat.status).toBe(500);
    expect(await chat.text()).toBe("");
  });

  it("reports the configured version", async () => {
    const emu = await start({ version: "0.11.2" });
    expect(await (await fetch(`${emu.url}/version`)).json()).toEqual({ version: "0.11.2" });
  });

  it("answers unknown routes with 404 and wrong methods with 405, in FastAPI's shape", async () => {
    const emu = await start();
    const missing = await fetch(`${emu.url}/v1/embeddings`, { method: "POST" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: "Not Found" });
    const wrongMethod = await fetch(`${emu.url}/v1/chat/completions`);
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toEqual({ detail: "Method Not Allowed" });
  });

  it("guards only /v1 with the API key, answering 401 {error: Unauthorized}", async () => {
    const emu = await start({ apiKey: "secret" });
    const denied = await postJson(emu.url, "/v1/chat/completions", textBody("hi"));
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: "Unauthorized" });
    const wrongKey = await fetch(`${emu.url}/v1/models`, { headers: { authorization: "Bearer wrong!" } });
    expect(wrongKey.status).toBe(401);
    const allowed = await fetch(`${emu.url}/v1/models`, { headers: { authorization: "Bearer secret" } });
    expect(allowed.status).toBe(200);
    expect((await fetch(`${emu.url}/health`)).status).toBe(200);
    expect((await fetch(`${emu.url}/metrics`)).status).toBe(200);
  });

  it("exposes vllm: metrics whose counters and gauges move with traffic", async () => {
    const emu = await start({ maxNumSeqs: 1 });
    emu.script({ text: "one two six", firstTokenDelayMs: 200 }, { text: "four" });
    const first = postJson(emu.url, "/v1/chat/completions", textBody("hello there"));
    const second = postJson(emu.url, "/v1/chat/completions", textBody("hello again"));
    await new Promise((resolve) => setTimeout(resolve, 80));
    const during = await (await fetch(`${emu.url}/metrics`)).text();
    const labels = 'model_name="tencent/HunyuanOCR",engine="0"';
    expect(during).toContain(`vllm:num_requests_running{${labels}} 1.0`);
    expect(during).toContain(`vllm:num_requests_waiting{${labels}} 1.0`);
    await Promise.all([(await first).json(), (await second).json()]);
    const after = await (await fetch(`${emu.url}/metrics`)).text();
    expect(after).toContain(`vllm:num_requests_running{${labels}} 0.0`);
    expect(after).toContain(`vllm:request_success_total{${labels},finished_reason="stop"} 2.0`);
    // "one two six" = 3 tokens + EOS, "four" = 1 token + EOS.
    expect(after).toContain(`vllm:generation_tokens_total{${labels}} 6.0`);
    expect(after).toContain(`vllm:prompt_tokens_total{${labels}} 8.0`);
    expect(after).toContain(`vllm:time_to_first_token_seconds_count{${labels}} 2.0`);
    expect(after).toContain(`vllm:e2e_request_latency_seconds_bucket{${labels},le="+Inf"} 2.0`);
    expect(after).toContain("# TYPE vllm:kv_cache_usage_perc gauge");
    expect(after).toContain("# TYPE vllm:inter_token_latency_seconds histogram");
    expect(after).toMatch(/vllm:request_queue_time_seconds_sum\{[^}]*\} 0\.[1-9]/);
  });

  it("uses the pre-0.11 metric names on older versions", async () => {
    const emu = await start({ version: "0.10.2" });
    const text = await (await fetch(`${emu.url}/metrics`)).text();
    expect(text).toContain("vllm:gpu_cache_usage_perc{");
    expect(text).toContain("vllm:time_per_output_token_seconds_count{");
    expect(text).not.toContain("vllm:kv_cache_usage_perc");
  });
});
