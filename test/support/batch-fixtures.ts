import type OpenAI from "openai";
import { afterAll, beforeAll } from "vitest";
import { receiptDataUrl } from "./fixtures.ts";
import { type RunningGateway, startGateway } from "./gateway-harness.ts";
import { createTestDatabase, type TestDatabase } from "./postgres-database.ts";
import { VllmEmulator } from "./vllm-emulator/index.ts";

/** OpenAI batch input lines for `/v1/ocr`, each reading a real receipt. */
export function ocrBatchLines(count: number, extra: (index: number) => Record<string, unknown> = () => ({})) {
  const document = { type: "image_url", image_url: receiptDataUrl("000") };
  return Array.from({ length: count }, (_, index) => ({
    custom_id: `receipt-${index}`,
    method: "POST",
    url: "/v1/ocr",
    body: { model: "hunyuan-ocr", document, task: "extract_text", ...extra(index) },
  }));
}

export function toJsonl(lines: readonly unknown[]): string {
  return `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`;
}

/** Parses an output or error file into its lines. */
export function parseJsonl(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Polls `read` until `done` holds (generous: the machine is shared), answering the last value. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`not done in time; last value: ${JSON.stringify(value).slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Creates a `/v1/ocr` batch over an uploaded JSONL file and waits until it has completed. */
export async function completedOcrBatch(openai: OpenAI, inputFileId: string): Promise<OpenAI.Batches.Batch> {
  const batch = await openai.batches.create({
    input_file_id: inputFileId,
    endpoint: "/v1/ocr" as "/v1/chat/completions",
    completion_window: "24h",
  });
  return pollUntil(
    () => openai.batches.retrieve(batch.id),
    (value) => value.status === "completed",
  );
}

export interface BatchTestBed {
  emulator: VllmEmulator;
  gateway: RunningGateway;
}

/**
 * An emulator and a gateway for the describe block, on the embedded SQLite store or on a fresh PostgreSQL
 * database (dropped afterwards).
 */
export function useBatchGateway(store: "sqlite" | "postgres", env: Record<string, string>): BatchTestBed {
  const bed = {} as BatchTestBed;
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    bed.emulator = await VllmEmulator.start();
    database = store === "postgres" ? await createTestDatabase() : undefined;
    bed.gateway = await startGateway({
      VLLM_URL: bed.emulator.url,
      JOB_POLL_MS: "50",
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...env,
    });
  });
  afterAll(async () => {
    await bed.gateway?.close();
    await bed.emulator?.close();
    await database?.drop();
  });
  return bed;
}
