import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ocrBatchLines, pollUntil, toJsonl } from "../support/batch-fixtures.ts";
import { receiptDataUrl } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

// biome-ignore lint/suspicious/noExplicitAny: batch objects carry the gateway's webhook_deliveries
type Json = any;

const SECRET = `whsec_${randomBytes(32).toString("base64")}`;

interface Received {
  body: string;
  headers: IncomingHttpHeaders;
}

/** A webhook receiver on port 0 that answers `status()` and records every request. */
async function startReceiver(status: () => number) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ body: Buffer.concat(chunks).toString("utf8"), headers: request.headers });
      response.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function headersOf(request: Received): Record<string, string> {
  return Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
}

describe("signed webhooks", () => {
  let emulator: VllmEmulator;
  const dataDir = mkdtempSync(path.join(tmpdir(), "webhooks-"));
  const env = (extra: Record<string, string> = {}) => ({
    VLLM_URL: emulator.url,
    DATA_DIR: dataDir,
    JOB_POLL_MS: "50",
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_RETRY_BASE_MS: "300",
    FETCH_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
    ...extra,
  });
  const openai = (gateway: RunningGateway) =>
    new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });

  async function createBatch(gateway: RunningGateway, webhookUrl?: string) {
    const client = openai(gateway);
    const input = await client.files.create({
      file: await toFile(Buffer.from(toJsonl(ocrBatchLines(1))), "in.jsonl"),
      purpose: "batch",
    });
    return client.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/ocr" as "/v1/chat/completions",
      completion_window: "24h",
      ...(webhookUrl ? { webhook_url: webhookUrl } : {}),
    } as OpenAI.Batches.BatchCreateParams);
  }

  beforeAll(async () => {
    emulator = await VllmEmulator.start();
    emulator.setDefaultAnswer(() => ({ text: "ok" }));
  });
  afterAll(async () => {
    await emulator?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("POSTs batch.completed, verified by openai's webhooks.unwrap, retried after the receiver fails", async () => {
    let calls = 0;
    const receiver = await startReceiver(() => (++calls <= 2 ? 500 : 200));
    const gateway = await startGateway(env());
    try {
      const batch = await createBatch(gateway, receiver.url);
      const shown: Json = await pollUntil(
        () => openai(gateway).batches.retrieve(batch.id),
        (value: Json) => value.webhook_deliveries?.[0]?.status === "delivered",
      );
      expect(receiver.received).toHaveLength(3);
      const ids = new Set(receiver.received.map((request) => request.headers["webhook-id"]));
      expect(ids.size).toBe(1);
      const last = receiver.received[2] as Received;
      const event = await new OpenAI({ apiKey: "unused" }).webhooks.unwrap(
        last.body,
        headersOf(last),
        SECRET,
      );
      expect(event).toMatchObject({ object: "event", type: "batch.completed", data: { id: batch.id } });
      expect(shown.webhook_deliveries[0].attempts.map((attempt: Json) => attempt.status_code)).toEqual([
        500, 500, 200,
      ]);
      expect(gateway.rawLogs()).not.toContain(receiver.url);
    } finally {
      await gateway.close();
      await receiver.close();
    }
  });

  it("keeps retrying after a gateway restart (deliveries are persisted)", async () => {
    let up = false;
    const receiver = await startReceiver(() => (up ? 204 : 503));
    const first = await startGateway(env({ WEBHOOK_URL: receiver.url }));
    const batch = await createBatch(first);
    await pollUntil(
      () => openai(first).batches.retrieve(batch.id),
      (value: Json) => value.webhook_deliveries?.[0]?.attempts.length >= 1,
    );
    await first.close();
    const failedAttempts = receiver.received.length;
    up = true;
    const second = await startGateway(env({ WEBHOOK_URL: receiver.url }));
    try {
      const shown: Json = await pollUntil(
        () => openai(second).batches.retrieve(batch.id),
        (value: Json) => value.webhook_deliveries?.[0]?.status === "delivered",
      );
      expect(shown.webhook_deliveries[0].attempts.length).toBe(failedAttempts + 1);
      const last = receiver.received.at(-1) as Received;
      await expect(
        new OpenAI({ apiKey: "unused" }).webhooks.unwrap(last.body, headersOf(last), SECRET),
      ).resolves.toMatchObject({
        type: "batch.completed",
      });
    } finally {
      await second.close();
      await receiver.close();
    }
  });

  it("POSTs ocr.job.completed when an async OCR job ends; the job shows its delivery attempts", async () => {
    let calls = 0;
    const receiver = await startReceiver(() => (++calls === 1 ? 500 : 200));
    const gateway = await startGateway(env());
    try {
      const response = await fetch(`${gateway.url}/v1/ocr/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          document: { type: "image_url", image_url: receiptDataUrl("000") },
          webhook_url: receiver.url,
        }),
      });
      expect(response.status).toBe(202);
      const job = (await response.json()) as { id: string };
      const shown: Json = await pollUntil(
        async () => (await fetch(`${gateway.url}/v1/ocr/jobs/${job.id}`)).json(),
        (value: Json) => value.webhook_deliveries?.[0]?.status === "delivered",
      );
      expect(receiver.received).toHaveLength(2);
      const last = receiver.received[1] as Received;
      const event = await new OpenAI({ apiKey: "unused" }).webhooks.unwrap(
        last.body,
        headersOf(last),
        SECRET,
      );
      expect(event).toMatchObject({ object: "event", type: "ocr.job.completed", data: { id: job.id } });
      expect(shown.webhook_deliveries).toHaveLength(1);
      expect(shown.webhook_deliveries[0]).toMatchObject({
        event_id: last.headers["webhook-id"],
        type: "ocr.job.completed",
        url: receiver.url,
        next_attempt_at: null,
      });
      expect(shown.webhook_deliveries[0].attempts.map((attempt: Json) => attempt.status_code)).toEqual([
        500, 200,
      ]);
      // The list shows jobs without their deliveries, as /v1/batches does.
      const list: Json = await (await fetch(`${gateway.url}/v1/ocr/jobs`)).json();
      expect(list.data[0].webhook_deliveries).toBeUndefined();
    } finally {
      await gateway.close();
      await receiver.close();
    }
  });

  it("refuses webhook URLs the SSRF policy forbids, and any webhook_url without WEBHOOK_SECRET", async () => {
    const strict = await startGateway(env({ FETCH_ALLOWED_PRIVATE_HOSTS: "" }));
    const unsigned = await startGateway({ VLLM_URL: emulator.url, DATA_DIR: dataDir });
    try {
      for (const url of [
        "http://127.0.0.1:9/hook",
        "http://169.254.169.254/latest",
        "http://10.1.2.3/x",
        "ftp://example.com/",
      ]) {
        await expect(createBatch(strict, url)).rejects.toMatchObject({ status: 400, param: "webhook_url" });
      }
      await expect(createBatch(unsigned, "https://example.com/hook")).rejects.toMatchObject({
        status: 400,
        code: "webhooks_not_configured",
      });
    } finally {
      await strict.close();
      await unsigned.close();
    }
  });
});
