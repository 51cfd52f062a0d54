import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { postOcrForm, receiptUpload, type UploadedFile } from "../support/ocr-fixtures.ts";
import { deleteKeys, randomKeyPrefix, SHARED_REDIS_URL } from "../support/redis-server.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

const KEYS = "alpha-key-123,beta-key-456,gamma-key-789";
const prefix = randomKeyPrefix();
let emulator: VllmEmulator;
let promptsDir: string;
const gateways: RunningGateway[] = [];

/** A gateway on the shared Redis, under this file's key prefix, with the cache on. */
async function replica(env: Record<string, string> = {}): Promise<RunningGateway> {
  const gateway = await startGateway({
    VLLM_URL: emulator.url,
    CACHE: "on",
    API_KEYS: KEYS,
    REDIS_URL: SHARED_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    ...env,
  });
  gateways.push(gateway);
  return gateway;
}

function read(gateway: RunningGateway, file: UploadedFile, fields: Record<string, string> = {}) {
  return postOcrForm(gateway.url, file, fields, { headers: { authorization: "Bearer alpha-key-123" } });
}

async function cacheOf(response: Response): Promise<string | null> {
  expect(response.status, await response.clone().text()).toBe(200);
  return response.headers.get("x-cache");
}

function customTask(prompt: string): string {
  return [
    "name: receipt_lines",
    "description: Receipt lines.",
    "default_language: en",
    "parser: text",
    "sampling: { max_tokens: 1024 }",
    "prompts:",
    "  hunyuanocr-1.0:",
    `    en: ${prompt}`,
    "",
  ].join("\n");
}

beforeAll(async () => {
  emulator = await VllmEmulator.start({ servedModelNames: ["tencent/HunyuanOCR", "hunyuan-ocr-ft"] });
  emulator.setDefaultAnswer(() => ({ text: "TOTAL 9.00" }));
  promptsDir = await mkdtemp(path.join(tmpdir(), "ocr-prompts-"));
});

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await emulator?.close();
  await rm(promptsDir, { recursive: true, force: true });
  await deleteKeys(SHARED_REDIS_URL, prefix);
});

describe("two gateway replicas on one Redis", () => {
  it("share the result cache: what one read, the other answers without the model, and a purge on either empties it", async () => {
    const [first, second] = [await replica(), await replica()];
    expect(await cacheOf(await read(first, receiptUpload("000")))).toBe("miss");
    expect(await cacheOf(await read(second, receiptUpload("000")))).toBe("hit");
    expect(emulator.chatRequests).toHaveLength(1);

    const purge = await fetch(`${second.url}/v1/cache`, {
      method: "DELETE",
      headers: { authorization: "Bearer alpha-key-123" },
    });
    expect(await purge.json(), "purge").toEqual({ deleted: 1 });
    expect(await cacheOf(await read(first, receiptUpload("000")))).toBe("miss");

    const sha = (await read(second, receiptUpload("000"))).headers.get("x-document-sha256");
    const byHash = await fetch(`${first.url}/v1/cache/${sha}`, {
      method: "DELETE",
      headers: { authorization: "Bearer alpha-key-123" },
    });
    expect(await byHash.json()).toEqual({ deleted: 1 });
    expect(await cacheOf(await read(second, receiptUpload("000")))).toBe("miss");
    emulator.reset();
    emulator.setDefaultAnswer(() => ({ text: "TOTAL 9.00" }));
  });

  it("share one key's rate limit: 4 per minute in all, whichever replica a request reaches", async () => {
    const limited4 = { RATE_LIMIT_PER_MINUTE: "4" };
    const [first, second] = [await replica(limited4), await replica(limited4)];
    const models = (gateway: RunningGateway) =>
      fetch(`${gateway.url}/v1/models`, { headers: { authorization: "Bearer gamma-key-789" } });
    const statuses = [];
    for (const gateway of [first, second, first, second, first])
      statuses.push((await models(gateway)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    const limited = await models(second);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another key has its own allowance.
    const other = await fetch(`${second.url}/v1/models`, {
      headers: { authorization: "Bearer beta-key-456" },
    });
    expect(other.status).toBe(200);
  });

  it("miss when the prompt file, the model profile or the served model differ between them", async () => {
    const file = path.join(promptsDir, "receipt_lines.yaml");
    await writeFile(file, customTask("List the receipt's lines."));
    const before = await replica({ PROMPTS_DIR: promptsDir });
    expect(await cacheOf(await read(before, receiptUpload("001"), { task: "receipt_lines" }))).toBe("miss");
    expect(await cacheOf(await read(before, receiptUpload("001"), { task: "receipt_lines" }))).toBe("hit");

    await writeFile(file, customTask("List every line of the receipt."));
    const edited = await replica({ PROMPTS_DIR: promptsDir });
    expect(await cacheOf(await read(edited, receiptUpload("001"), { task: "receipt_lines" }))).toBe("miss");

    const plain = await replica();
    expect(await cacheOf(await read(plain, receiptUpload("001")))).toBe("miss");
    expect(await cacheOf(await read(plain, receiptUpload("001")))).toBe("hit");
    const profile = await replica({ MODEL_PROFILE: "hunyuanocr-1.5" });
    expect(await cacheOf(await read(profile, receiptUpload("001")))).toBe("miss");
    const model = await replica({ MODEL: "hunyuan-ocr-ft" });
    expect(await cacheOf(await read(model, receiptUpload("001")))).toBe("miss");
  });
});
