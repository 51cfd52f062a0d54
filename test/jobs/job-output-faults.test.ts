import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobStore } from "../../gateway/jobs/store/job-store.ts";
import { PostgresJobStore } from "../../gateway/jobs/store/postgres/postgres-job-store.ts";
import { SqliteJobStore } from "../../gateway/jobs/store/sqlite/sqlite-job-store.ts";
import { checkPdf, pdfText } from "../output-formats/support/poppler.ts";
import { killHard, startChildGateway } from "../support/child-gateway.ts";
import { buildReceiptPdf } from "../support/ocr-fixtures.ts";
import { type Json, postJobForm, waitForJob } from "../support/ocr-job-client.ts";
import { createTestDatabase, type TestDatabase } from "../support/postgres-database.ts";
import { lacks } from "../support/system-tools.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

const JOB_ENV = { JOB_LEASE_MS: "2000", JOB_POLL_MS: "50", JOB_PAGES_PER_REPLICA: "2", LOG_LEVEL: "warn" };
const PAGES = 10;

describe.skipIf(lacks("poppler", "qpdf")).each(["sqlite", "postgres"] as const)(
  "an archive job killed mid-way (%s)",
  (backend) => {
    let emulator: VllmEmulator;
    let database: TestDatabase | undefined;
    let dataDir: string;

    beforeAll(async () => {
      emulator = await VllmEmulator.start({ maxNumSeqs: 8 });
      let calls = 0;
      emulator.setDefaultAnswer(() => ({
        text: `LINE ${++calls} TOTAL(100,100),(900,150)`,
        firstTokenDelayMs: 300,
      }));
      database = backend === "postgres" ? await createTestDatabase() : undefined;
      dataDir = mkdtempSync(path.join(tmpdir(), "job-output-faults-"));
    });
    afterAll(async () => {
      await emulator?.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    async function openStore(): Promise<JobStore> {
      return database
        ? PostgresJobStore.open({ connectionString: database.url })
        : SqliteJobStore.open(dataDir);
    }

    /** Output rows of the job, counted in the database itself. */
    async function countOutputs(jobId: string): Promise<number> {
      const sql = "SELECT COUNT(*) AS n FROM job_outputs WHERE job_id = $1";
      if (database) {
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        try {
          return Number((await client.query(sql, [jobId])).rows[0].n);
        } finally {
          await client.end();
        }
      }
      const db = new Database(path.join(dataDir, "jobs.sqlite"), { readonly: true });
      try {
        return Number((db.prepare(sql.replace("$1", "?")).get(jobId) as { n: number }).n);
      } finally {
        db.close();
      }
    }

    it("kill -9 between pages, restart: the job completes with exactly one file, holding every page", async () => {
      const env = {
        ...JOB_ENV,
        VLLM_URL: emulator.url,
        DATA_DIR: dataDir,
        ...(database ? { DATABASE_URL: database.url } : {}),
      };
      const first = await startChildGateway(env);
      const created = (await (
        await postJobForm(first.url, await buildReceiptPdf(PAGES), { output_format: "pdf" })
      ).json()) as Json;
      expect(created.output_format).toBe("pdf");
      await waitForJob(first.url, created.id, { until: (body) => body.pages_done >= 3, timeoutMs: 120_000 });
      await killHard(first);

      const second = await startChildGateway(env);
      try {
        const done = await waitForJob(second.url, created.id, { timeoutMs: 180_000 });
        expect(done.status, JSON.stringify(done.error)).toBe("completed");
        expect(done.result.pages.map((page: Json) => page.index)).toEqual(
          Array.from({ length: PAGES }, (_, index) => index),
        );
        const response = await fetch(`${second.url}/v1/ocr/jobs/${created.id}/content`);
        expect(response.status).toBe(200);
        const pdf = Buffer.from(await response.arrayBuffer());
        expect(pdf.length).toBe(done.output.bytes);
        expect((await checkPdf(pdf)).info).toMatch(new RegExp(`Pages:\\s+${PAGES}\\n`));
        const text = await pdfText(pdf);
        for (const page of done.result.pages) expect(text).toContain(page.text);
      } finally {
        await second.process.stop();
      }
      expect(await countOutputs(created.id)).toBe(1);
      const store = await openStore();
      try {
        expect((await store.getOutput(created.id))?.data.subarray(0, 5).toString()).toBe("%PDF-");
      } finally {
        await store.close();
      }
    }, 400_000);
  },
);
