import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresJobStore } from "../../gateway/jobs/store/postgres/postgres-job-store.ts";
import { freePort } from "../deploy/support/child-processes.ts";
import { killHard, startChildGateway } from "../support/child-gateway.ts";
import { buildReceiptPdf } from "../support/ocr-fixtures.ts";
import { callsPerPage, type Json, postJobForm, waitForJob } from "../support/ocr-job-client.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres-database.ts";
import { createPrivatePostgres, type PrivatePostgres } from "../support/private-postgres.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

const JOB_ENV = { JOB_LEASE_MS: "2000", JOB_POLL_MS: "50", JOB_PAGES_PER_REPLICA: "4", LOG_LEVEL: "warn" };

/** Every page of the answer exactly once, in order. */
function expectEveryPageOnce(job: Json, pages: number): void {
  expect(job.status).toBe("completed");
  expect(job.result.pages.map((page: Json) => page.index)).toEqual(
    Array.from({ length: pages }, (_, index) => index),
  );
}

async function metricValue(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = text.split("\n").find((line) => pattern.test(line));
  return match ? Number(match.split(" ").at(-1)) : 0;
}

describe("job faults on PostgreSQL", () => {
  let emulator: VllmEmulator;
  let database: TestDatabase;

  beforeAll(async () => {
    emulator = await VllmEmulator.start({ maxNumSeqs: 8 });
    emulator.setDefaultAnswer(() => ({ text: "page text", firstTokenDelayMs: 150 }));
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await emulator?.close();
    await database?.drop();
  });

  it("kill -9 mid-job, restart: every page appears once, checkpointed pages are never read again", async () => {
    const env = { ...JOB_ENV, VLLM_URL: emulator.url, DATABASE_URL: database.url };
    const first = await startChildGateway(env);
    const pdf = await buildReceiptPdf(24);
    const job = (await (await postJobForm(first.url, pdf)).json()) as Json;
    await waitForJob(first.url, job.id, { until: (body) => body.pages_done >= 8, timeoutMs: 120_000 });
    await killHard(first);
    const store = await PostgresJobStore.open({ connectionString: database.url });
    const checkpointed = (await store.unitResults(job.id, "ocr_page"))
      .filter((unit) => unit.state === "done")
      .map((unit) => unit.seq);
    await store.close();
    expect(checkpointed.length).toBeGreaterThanOrEqual(8);

    const second = await startChildGateway(env);
    try {
      const done = await waitForJob(second.url, job.id, { timeoutMs: 120_000 });
      expectEveryPageOnce(done, 24);
      const calls = callsPerPage(emulator.chatRequests, job.id);
      for (const page of checkpointed) expect(calls.get(page), `page ${page}`).toBe(1);
      for (let page = 0; page < 24; page++)
        expect(calls.get(page) ?? 0, `page ${page}`).toBeGreaterThanOrEqual(1);
      // Only pages in flight at the kill (at most JOB_PAGES_PER_REPLICA × 1 replica) were sent twice.
      const twice = [...calls.values()].filter((count) => count > 1).length;
      expect(twice).toBeLessThanOrEqual(4);
      expect([...calls.values()].every((count) => count <= 2)).toBe(true);
    } finally {
      await second.process.stop();
    }
  }, 300_000);

  it("two gateways on one database share a job without reading any page twice", async () => {
    const env = { ...JOB_ENV, VLLM_URL: emulator.url, DATABASE_URL: database.url };
    const [a, b] = await Promise.all([startChildGateway(env), startChildGateway(env)]);
    try {
      const job = (await (await postJobForm(a.url, await buildReceiptPdf(40))).json()) as Json;
      const done = await waitForJob(b.url, job.id, { timeoutMs: 180_000 });
      expectEveryPageOnce(done, 40);
      const calls = callsPerPage(emulator.chatRequests, job.id);
      expect([...calls.values()].every((count) => count === 1)).toBe(true);
      expect(calls.size).toBe(40);
      const pattern = /^ocr_gateway_job_units_total\{kind="ocr_page",outcome="done"\}/;
      const [byA, byB] = await Promise.all([metricValue(a.url, pattern), metricValue(b.url, pattern)]);
      expect(byA + byB).toBe(40);
      expect(byA).toBeGreaterThan(0);
      expect(byB).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.process.stop(), b.process.stop()]);
    }
  }, 300_000);
});

describe("PostgreSQL stopped and started under load", () => {
  let emulator: VllmEmulator;
  let postgres: PrivatePostgres;

  beforeAll(async () => {
    emulator = await VllmEmulator.start({ maxNumSeqs: 8 });
    emulator.setDefaultAnswer(() => ({ text: "page text", firstTokenDelayMs: 100 }));
    postgres = createPrivatePostgres(await freePort());
  });
  afterAll(async () => {
    await emulator?.close();
    postgres?.destroy();
  });

  it("job routes answer 503 job_store_unavailable, /v1/ocr keeps working, the job finishes once it is back", async () => {
    const gateway = await startChildGateway({
      ...JOB_ENV,
      VLLM_URL: emulator.url,
      DATABASE_URL: postgres.url,
    });
    try {
      const pdf = await buildReceiptPdf(16);
      const job = (await (await postJobForm(gateway.url, pdf)).json()) as Json;
      await waitForJob(gateway.url, job.id, { until: (body) => body.pages_done >= 2, timeoutMs: 120_000 });
      postgres.stop();

      const during = await fetch(`${gateway.url}/v1/ocr/jobs/${job.id}`);
      expect(during.status).toBe(503);
      expect(((await during.json()) as Json).error.code).toBe("job_store_unavailable");
      expect(during.headers.get("retry-after")).not.toBeNull();
      const submit = await postJobForm(gateway.url, pdf);
      expect(submit.status).toBe(503);
      const form = new FormData();
      form.append(
        "file",
        new Blob([new Uint8Array(await buildReceiptPdf(1))], { type: "application/pdf" }),
        "a.pdf",
      );
      const sync = await fetch(`${gateway.url}/v1/ocr`, { method: "POST", body: form });
      expect(sync.status).toBe(200);
      const ready = (await (await fetch(`${gateway.url}/ready`)).json()) as Json;
      expect(ready.job_store).toMatchObject({ ok: false, backend: "postgres" });

      postgres.start();
      const done = await waitForJob(gateway.url, job.id, { timeoutMs: 180_000 });
      expectEveryPageOnce(done, 16);
      const calls = callsPerPage(emulator.chatRequests, job.id);
      expect([...calls.values()].every((count) => count <= 2)).toBe(true);
      expect(gateway.process.child.exitCode).toBeNull();
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\ngateway output:\n${gateway.process.output().slice(-3000)}`,
      );
    } finally {
      await gateway.process.stop();
    }
  }, 300_000);
});
