import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI, { toFile } from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseJsonl, pollUntil, toJsonl } from "../support/batch-fixtures.ts";
import { type GatewayProcess, startGatewayProcess } from "../support/gateway-process.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres-database.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

// biome-ignore lint/suspicious/noExplicitAny: output lines and emulator bodies are read field by field
type Json = any;

const CONCURRENCY = 4;

/** Chat lines whose prompts name their line, so the emulator's record tells which line each call was. */
function chatLines(count: number) {
  return Array.from({ length: count }, (_, index) => ({
    custom_id: `line-${index}`,
    method: "POST",
    url: "/v1/chat/completions",
    body: { messages: [{ role: "user", content: `line-${index}` }], max_tokens: 16 },
  }));
}

/** How many times the model was called for each line. */
function callsPerLine(emulator: VllmEmulator): Map<string, number> {
  const calls = new Map<string, number>();
  for (const request of emulator.chatRequests) {
    const content = String((request.body as Json).messages.at(-1).content);
    calls.set(content, (calls.get(content) ?? 0) + 1);
  }
  return calls;
}

async function startBatch(url: string, lines: number) {
  const openai = new OpenAI({ apiKey: "unused", baseURL: `${url}/v1`, maxRetries: 0 });
  const input = await openai.files.create({
    file: await toFile(Buffer.from(toJsonl(chatLines(lines))), "lines.jsonl"),
    purpose: "batch",
  });
  return openai.batches.create({
    input_file_id: input.id,
    endpoint: "/v1/chat/completions",
    completion_window: "24h",
  });
}

async function finished(url: string, batchId: string) {
  const openai = new OpenAI({ apiKey: "unused", baseURL: `${url}/v1`, maxRetries: 0 });
  const batch = await pollUntil(
    () => openai.batches.retrieve(batchId),
    (value) => ["completed", "failed", "expired", "cancelled"].includes(value.status),
    180_000,
  );
  const output = parseJsonl(
    await (await openai.files.content(batch.output_file_id as string)).text(),
  ) as Json[];
  return { batch, output };
}

async function linesCompleted(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /ocr_gateway_job_units_total\{kind="batch_line",outcome="done"\} (\d+)/.exec(text);
  return Number(match?.[1] ?? 0);
}

describe("batch lines survive faults", () => {
  let emulator: VllmEmulator;
  const processes: GatewayProcess[] = [];
  const databases: TestDatabase[] = [];
  const dirs: string[] = [];

  beforeAll(async () => {
    emulator = await VllmEmulator.start();
  });
  afterEach(async () => {
    for (const process of processes.splice(0)) await process.kill();
  });
  afterAll(async () => {
    await emulator?.close();
    for (const database of databases) await database.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  async function store(kind: "sqlite" | "postgres"): Promise<Record<string, string>> {
    if (kind === "postgres") {
      const database = await createTestDatabase();
      databases.push(database);
      return { DATABASE_URL: database.url };
    }
    const dir = mkdtempSync(path.join(tmpdir(), "batch-fault-"));
    dirs.push(dir);
    return { DATA_DIR: dir };
  }

  it.each(["sqlite", "postgres"] as const)(
    "kill -9 mid-batch, restart: every line exactly once in the output (%s)",
    async (kind) => {
      emulator.reset();
      emulator.setDefaultAnswer(() => ({ text: "answer", firstTokenDelayMs: 150 }));
      const env = {
        VLLM_URL: emulator.url,
        JOB_POLL_MS: "50",
        JOB_LEASE_MS: "1500",
        BATCH_CONCURRENCY: String(CONCURRENCY),
        ...(await store(kind)),
      };
      const first = await startGatewayProcess(env);
      processes.push(first);
      const batch = await startBatch(first.url, 40);
      await pollUntil(
        async () => linesCompleted(first.url),
        (done) => done >= 10,
      );
      await first.kill();
      const callsAtKill = emulator.chatRequests.length;
      expect(callsAtKill).toBeLessThan(40);

      const second = await startGatewayProcess(env);
      processes.push(second);
      const { batch: ended, output } = await finished(second.url, batch.id);
      expect(ended.status).toBe("completed");
      expect(ended.request_counts).toEqual({ total: 40, completed: 40, failed: 0 });
      const ids = output.map((line) => line.custom_id);
      expect(ids).toEqual(chatLines(40).map((line) => line.custom_id));
      // Every line reached the model; only lines in flight at the kill (at most one lease's worth) twice.
      const calls = callsPerLine(emulator);
      expect(calls.size).toBe(40);
      const repeated = [...calls.values()].filter((count) => count > 1);
      expect(repeated.every((count) => count === 2)).toBe(true);
      expect(repeated.length).toBeLessThanOrEqual(CONCURRENCY);
      expect(emulator.chatRequests.length).toBe(40 + repeated.length);
    },
    240_000,
  );

  it("two gateway processes on one PostgreSQL database share a 200-line batch, no line twice", async () => {
    emulator.reset();
    emulator.setDefaultAnswer(() => ({ text: "answer", firstTokenDelayMs: 30 }));
    const env = {
      VLLM_URL: emulator.url,
      JOB_POLL_MS: "50",
      BATCH_CONCURRENCY: String(CONCURRENCY),
      ...(await store("postgres")),
    };
    const [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
    processes.push(a, b);
    const batch = await startBatch(a.url, 200);
    const { batch: ended, output } = await finished(b.url, batch.id);
    expect(ended.request_counts).toEqual({ total: 200, completed: 200, failed: 0 });
    expect(new Set(output.map((line) => line.custom_id)).size).toBe(200);
    const calls = callsPerLine(emulator);
    expect(calls.size).toBe(200);
    expect([...calls.values()].every((count) => count === 1)).toBe(true);
    const [byA, byB] = await Promise.all([linesCompleted(a.url), linesCompleted(b.url)]);
    expect(byA + byB).toBe(200);
    expect(byA).toBeGreaterThan(0);
    expect(byB).toBeGreaterThan(0);
  }, 240_000);
});
