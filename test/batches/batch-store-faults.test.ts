import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../deploy/support/child-processes.ts";
import { completedOcrBatch, ocrBatchLines, pollUntil, toJsonl } from "../support/batch-fixtures.ts";
import { receiptDataUrl } from "../support/fixtures.ts";
import { startGateway } from "../support/gateway-harness.ts";
import { createPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers
type Json = any;

async function expectStoreUnavailable(response: Response): Promise<void> {
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(503);
  expect(body.error.code).toBe("job_store_unavailable");
  expect(response.headers.get("retry-after")).not.toBeNull();
}

describe("batches with PostgreSQL down at start-up", () => {
  let emulator: VllmEmulator;
  let postgres: PrivatePostgres;

  beforeAll(async () => {
    emulator = await VllmEmulator.start();
    emulator.setDefaultAnswer(() => ({ text: "ok" }));
    postgres = createPrivatePostgres(await freePort());
    postgres.stop();
  });
  afterAll(async () => {
    await emulator?.close();
    postgres?.destroy();
  });

  it("the gateway starts, batch routes answer 503 until PostgreSQL is up, then batches run", async () => {
    const gateway = await startGateway({
      VLLM_URL: emulator.url,
      DATABASE_URL: postgres.url,
      JOB_POLL_MS: "50",
    });
    const openai = new OpenAI({ apiKey: "unused", baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    try {
      const ready = await fetch(`${gateway.url}/ready`);
      expect(ready.status).toBe(200);
      expect((await ready.json()) as Json).toMatchObject({
        job_store: { ok: false, backend: "postgres" },
        batch_store: { ok: false, backend: "postgres" },
      });
      await expectStoreUnavailable(await fetch(`${gateway.url}/v1/batches`));
      await expectStoreUnavailable(await fetch(`${gateway.url}/v1/files`));
      await expectStoreUnavailable(await fetch(`${gateway.url}/v1/batch/jobs`));
      const upload = new FormData();
      upload.append("purpose", "batch");
      upload.append("file", new Blob([toJsonl(ocrBatchLines(1))]), "in.jsonl");
      await expectStoreUnavailable(await fetch(`${gateway.url}/v1/files`, { method: "POST", body: upload }));
      const sync = await fetch(`${gateway.url}/v1/ocr`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ document: { type: "image_url", image_url: receiptDataUrl("000") } }),
      });
      expect(sync.status).toBe(200);

      postgres.start();
      const input = await pollUntil(
        async () =>
          openai.files
            .create({
              file: await toFile(Buffer.from(toJsonl(ocrBatchLines(2))), "in.jsonl"),
              purpose: "batch",
            })
            .catch((error: unknown) => error as Error),
        (value) => !(value instanceof Error),
      );
      if (input instanceof Error) throw input;
      const done = await completedOcrBatch(openai, input.id);
      expect(done.request_counts).toMatchObject({ total: 2, completed: 2, failed: 0 });
      expect((await (await fetch(`${gateway.url}/ready`)).json()) as Json).toMatchObject({
        batch_store: { ok: true, backend: "postgres" },
      });

      // Down again while running: the same 503, not an internal error.
      postgres.stop();
      await expectStoreUnavailable(await fetch(`${gateway.url}/v1/batches/${done.id}`));
      expect((await (await fetch(`${gateway.url}/ready`)).json()) as Json).toMatchObject({
        batch_store: { ok: false },
      });
      postgres.start();
      await pollUntil(
        async () => (await fetch(`${gateway.url}/v1/batches/${done.id}`)).status,
        (status) => status === 200,
      );
    } finally {
      await gateway.close();
    }
  }, 240_000);
});
