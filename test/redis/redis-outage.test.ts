import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { postOcrForm, receiptUpload } from "../support/ocr-fixtures.ts";
import { PrivateRedis } from "../support/redis-server.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

// biome-ignore lint/suspicious/noExplicitAny: /ready bodies are checked field by field below
type Json = any;

let redis: PrivateRedis;
let emulator: VllmEmulator;
let gateway: RunningGateway;
const auth = { authorization: "Bearer alpha-key-123" };

async function read(id: string): Promise<Response> {
  const response = await postOcrForm(gateway.url, receiptUpload(id), {}, { headers: auth });
  expect(response.status, await response.clone().text()).toBe(200);
  return response;
}

async function ready(): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${gateway.url}/ready`);
  return { status: response.status, body: await response.json() };
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const logged = (message: RegExp) => gateway.logs.filter((line) => message.test(String(line.msg)));

beforeAll(async () => {
  redis = await PrivateRedis.start();
  emulator = await VllmEmulator.start();
  emulator.setDefaultAnswer(() => ({ text: "TOTAL 9.00" }));
  gateway = await startGateway({
    VLLM_URL: emulator.url,
    CACHE: "on",
    API_KEYS: "alpha-key-123",
    REDIS_URL: redis.url,
    RATE_LIMIT_PER_MINUTE: "1000",
  });
});

afterAll(async () => {
  await gateway?.close();
  await emulator?.close();
  await redis?.kill();
});

describe("Redis stopped mid-run and started again", () => {
  it("keeps serving without it (misses, local limits), says so once in the log and /ready, and recovers", async () => {
    expect((await ready()).body.redis).toEqual({ status: "up" });
    await read("000");
    expect((await read("000")).headers.get("x-cache")).toBe("hit");

    await redis.kill();
    await until(async () => (await ready()).body.redis.status === "down");
    const down = await ready();
    expect(down.status).toBe(200);
    expect(down.body.redis.detail).toMatch(/per-process rate limits/);

    // Serving goes on: answers are read by the model (no shared cache) and rate limits are counted locally.
    const callsBefore = emulator.chatRequests.length;
    for (let n = 0; n < 5; n++) expect((await read("000")).headers.get("x-cache")).toBe("miss");
    expect(emulator.chatRequests.length - callsBefore).toBe(5);
    expect(logged(/redis unavailable/)).toHaveLength(1);
    const purge = await fetch(`${gateway.url}/v1/cache`, { method: "DELETE", headers: auth });
    expect(purge.status).toBe(503);
    expect(((await purge.json()) as Json).error.code).toBe("cache_unavailable");

    await redis.restart();
    await until(async () => (await ready()).body.redis.status === "up");
    expect(logged(/redis reconnected/)).toHaveLength(1);
    // The restarted Redis is empty: one miss stores the page again, then it hits.
    expect((await read("000")).headers.get("x-cache")).toBe("miss");
    expect((await read("000")).headers.get("x-cache")).toBe("hit");
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^ocr_gateway_redis_up 1$/m);
    expect(metrics).toMatch(/^ocr_gateway_cache_lookups_total\{store="redis",result="hit"\} 2$/m);
  });

  it("a gateway started while Redis is down serves at once and connects when Redis comes up", async () => {
    await redis.kill();
    const late = await startGateway({ VLLM_URL: emulator.url, CACHE: "on", REDIS_URL: redis.url });
    try {
      const before = await fetch(`${late.url}/ready`);
      expect(before.status).toBe(200);
      expect(((await before.json()) as Json).redis.status).toBe("down");
      const served = await postOcrForm(late.url, receiptUpload("001"));
      expect([served.status, served.headers.get("x-cache")]).toEqual([200, "miss"]);

      await redis.restart();
      await until(
        async () => ((await (await fetch(`${late.url}/ready`)).json()) as Json).redis.status === "up",
      );
      await postOcrForm(late.url, receiptUpload("001"));
      expect((await postOcrForm(late.url, receiptUpload("001"))).headers.get("x-cache")).toBe("hit");
    } finally {
      await late.close();
    }
  });

  it("rate limits fall back to this process's own count while Redis is down", async () => {
    const limited = await startGateway({
      VLLM_URL: emulator.url,
      API_KEYS: "alpha-key-123",
      REDIS_URL: redis.url,
      RATE_LIMIT_PER_MINUTE: "3",
    });
    try {
      await redis.kill();
      await until(async () => !limited.deps.redis?.isUp());
      const statuses = [];
      for (let n = 0; n < 4; n++)
        statuses.push((await fetch(`${limited.url}/v1/models`, { headers: auth })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await limited.close();
      await redis.restart();
    }
  });
});
