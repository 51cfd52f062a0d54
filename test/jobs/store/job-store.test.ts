import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { JOB_ENDED_KIND, type JobStore, type NewJob } from "../../../gateway/jobs/store/job-store.ts";
import { PostgresJobStore } from "../../../gateway/jobs/store/postgres/postgres-job-store.ts";
import { SqliteJobStore } from "../../../gateway/jobs/store/sqlite/sqlite-job-store.ts";
import { createTestDatabase, type TestDatabase } from "../../support/postgres-database.ts";

const T0 = 1_700_000_000_000;

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("expected a value");
  return value;
}
let serial = 0;

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  serial++;
  return {
    id: `job_${String(serial).padStart(4, "0")}`,
    type: "test",
    owner: "alice",
    params: { task: "document" },
    finalizeKind: "test_finalize",
    units: [0, 1, 2].map((seq) => ({ kind: "test_page", seq, payload: { page: seq } })),
    input: Buffer.from("%PDF-bytes"),
    createdAt: T0 + serial,
    expiresAt: T0 + 86_400_000,
    ...overrides,
  };
}

const claim = (store: JobStore, workerId: string, limit: number, now = T0 + 10_000, kinds = ["test_page"]) =>
  store.claimUnits({ workerId, kinds, limit, leaseMs: 30_000, now });

interface Backend {
  name: string;
  open(): Promise<JobStore>;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(path.join(tmpdir(), "jobs-store-"));
  return {
    name: "sqlite",
    open: async () => SqliteJobStore.open(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

function postgresBackend(): Backend {
  let database: TestDatabase | undefined;
  return {
    name: "postgres",
    async open() {
      database ??= await createTestDatabase();
      return PostgresJobStore.open({ connectionString: database.url });
    },
    cleanup: async () => database?.drop(),
  };
}

describe.each([sqliteBackend(), postgresBackend()])("job store contract ($name)", (backend) => {
  let store: JobStore;

  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store.close();
    await backend.cleanup();
  });
  beforeEach(() => {
    serial += 100;
  });

  it("migrates once: opening the store again keeps its jobs", async () => {
    const { job } = await store.createJob(newJob());
    const again = await backend.open();
    try {
      expect((await again.getJob(job.id))?.id).toBe(job.id);
    } finally {
      await again.close();
    }
  });

  it("creates a job with its units and input; the same idempotency key gives the same job", async () => {
    const first = await store.createJob(newJob({ idempotencyKey: "k1", requestHash: "h1" }));
    expect(first.created).toBe(true);
    expect(first.job).toMatchObject({ status: "queued", unitsTotal: 3, unitsDone: 0, requestHash: "h1" });
    expect(await store.getInput(first.job.id)).toEqual(Buffer.from("%PDF-bytes"));
    const second = await store.createJob(newJob({ idempotencyKey: "k1", requestHash: "h2" }));
    expect(second).toMatchObject({ created: false, job: { id: first.job.id, requestHash: "h1" } });
    const otherOwner = await store.createJob(newJob({ idempotencyKey: "k1", owner: "bob" }));
    expect(otherOwner.created).toBe(true);
  });

  it("leases each unit to one worker; an expired lease is claimed again with one more attempt", async () => {
    const units = [0, 1, 2].map((seq) => ({ kind: "lease_page", seq, payload: null }));
    const { job } = await store.createJob(newJob({ units }));
    const a = await claim(store, "worker-a", 2, T0 + 10_000, ["lease_page"]);
    const b = await claim(store, "worker-b", 5, T0 + 10_000, ["lease_page"]);
    expect(a.map((unit) => unit.seq)).toEqual([0, 1]);
    expect(b.filter((unit) => unit.jobId === job.id).map((unit) => unit.seq)).toEqual([2]);
    expect((await store.getJob(job.id))?.status).toBe("in_progress");
    const later = await claim(store, "worker-c", 10, T0 + 10_000 + 30_001, ["lease_page"]);
    const mine = later.filter((unit) => unit.jobId === job.id);
    expect(mine.map((unit) => unit.seq)).toEqual([0, 1, 2]);
    expect(mine.every((unit) => unit.attempts === 2)).toBe(true);
    // The first workers lost their leases: their results are refused.
    expect(await store.settleUnit("worker-a", must(a[0]), { kind: "done", result: "late" })).toBe(false);
    expect(await store.renewLeases("worker-a", [must(a[1]).id], 30_000, T0 + 50_000)).toEqual([
      must(a[1]).id,
    ]);
  });

  it("checkpoints results and events, then queues the finalize unit exactly once", async () => {
    const { job } = await store.createJob(
      newJob({ units: [0, 1].map((seq) => ({ kind: "solo_page", seq, payload: seq })) }),
    );
    const units = await claim(store, "w", 2, T0 + 10_000, ["solo_page"]);
    expect(await claim(store, "w", 1, T0 + 10_000, ["test_finalize"])).toEqual([]);
    await store.settleUnit("w", must(units[1]), {
      kind: "done",
      result: { text: "p1" },
      event: { event: "page.done", data: { index: 1 } },
    });
    await store.settleUnit("w", must(units[0]), {
      kind: "failed",
      error: { code: "bad", message: "bad page" },
      event: { event: "page.done", data: { index: 0 } },
    });
    expect(await store.getJob(job.id)).toMatchObject({ unitsDone: 1, unitsFailed: 1 });
    expect(await store.unitResults(job.id, "solo_page")).toEqual([
      { seq: 0, state: "failed", result: null },
      { seq: 1, state: "done", result: { text: "p1" } },
    ]);
    expect((await store.eventsAfter(job.id, 0)).map((event) => [event.seq, event.data])).toEqual([
      [1, { index: 1 }],
      [2, { index: 0 }],
    ]);
    expect((await store.eventsAfter(job.id, 1)).map((event) => event.seq)).toEqual([2]);
    const finalize = await claim(store, "w", 5, T0 + 10_000, ["test_finalize"]);
    expect(finalize.map((unit) => unit.jobId)).toEqual([job.id]);
  });

  it("a retried unit waits until its time, keeping its attempt count", async () => {
    const { job } = await store.createJob(newJob({ units: [{ kind: "retry_page", seq: 0, payload: null }] }));
    const [unit] = await claim(store, "w", 1, T0 + 10_000, ["retry_page"]);
    await store.settleUnit("w", must(unit), {
      kind: "retry",
      availableAt: T0 + 20_000,
      error: { code: "busy", message: "busy" },
    });
    expect(await claim(store, "w", 1, T0 + 19_999, ["retry_page"])).toEqual([]);
    const [again] = await claim(store, "w", 1, T0 + 20_000, ["retry_page"]);
    expect(again).toMatchObject({ jobId: job.id, attempts: 2 });
  });

  it("finishing a job cancels its units, deletes its input, ends its events and queues job.ended", async () => {
    const { job } = await store.createJob(
      newJob({ units: [0, 1].map((seq) => ({ kind: "cancel_page", seq, payload: null })) }),
    );
    const [leased] = await claim(store, "w", 1, T0 + 10_000, ["cancel_page"]);
    const finished = await store.finishJob(job.id, {
      status: "cancelled",
      error: { code: "job_cancelled", message: "Cancelled." },
      event: { event: "error", data: { error: { code: "job_cancelled" } } },
      now: T0 + 11_000,
      resultTtlMs: 1_000,
    });
    expect(finished).toMatchObject({
      status: "cancelled",
      endedAt: T0 + 11_000,
      resultExpiresAt: T0 + 12_000,
    });
    expect(
      await store.finishJob(job.id, { status: "completed", now: T0 + 11_500, resultTtlMs: 1 }),
    ).toBeUndefined();
    expect(await store.getInput(job.id)).toBeUndefined();
    expect(await store.renewLeases("w", [must(leased).id], 30_000, T0 + 11_000)).toEqual([must(leased).id]);
    expect(await claim(store, "w", 5, T0 + 12_000, ["cancel_page"])).toEqual([]);
    const ended = (await claim(store, "w", 50, T0 + 12_000, [JOB_ENDED_KIND])).filter(
      (unit) => (unit.payload as { id: string }).id === job.id,
    );
    expect(ended).toHaveLength(1);
    expect(must(ended[0]).payload).toMatchObject({ id: job.id, status: "cancelled", owner: "alice" });
    expect((await store.eventsAfter(job.id, 0)).at(-1)?.event).toBe("error");
    expect(await store.purgeExpiredResults(T0 + 12_001)).toBeGreaterThanOrEqual(1);
    expect(await store.getJob(job.id)).toBeUndefined();
  });

  it("keeps an output file with the result: written once with the status, purged with the job", async () => {
    const data = Buffer.from("%PDF-1.7 searchable");
    const output = { format: "pdf", contentType: "application/pdf", filename: "scan.pdf", data };
    const finish = { status: "completed" as const, result: { text: "t" }, output, resultTtlMs: 1_000 };
    const kept = must((await store.createJob(newJob())).job);
    const deleted = must((await store.createJob(newJob())).job);
    const plain = must((await store.createJob(newJob())).job);
    expect(await store.finishJob(kept.id, { ...finish, now: T0 + 11_000 })).toMatchObject({
      status: "completed",
    });
    await store.finishJob(deleted.id, { ...finish, now: T0 + 11_000 });
    await store.finishJob(plain.id, {
      status: "completed",
      result: {},
      now: T0 + 11_000,
      resultTtlMs: 1_000,
    });
    // A second finish (a finalize run again after a crash) changes nothing: still one file, the first.
    expect(
      await store.finishJob(kept.id, {
        ...finish,
        output: { ...output, data: Buffer.from("x") },
        now: T0 + 11_500,
      }),
    ).toBeUndefined();
    expect(await store.describeOutput(kept.id)).toEqual({
      format: "pdf",
      contentType: "application/pdf",
      filename: "scan.pdf",
      bytes: data.length,
    });
    expect((await store.getOutput(kept.id))?.data.equals(data)).toBe(true);
    expect(await store.describeOutput(plain.id)).toBeUndefined();
    expect(await store.getOutput(plain.id)).toBeUndefined();

    await store.deleteJob(deleted.id);
    expect(await store.getOutput(deleted.id)).toBeUndefined();
    expect(await store.purgeExpiredResults(T0 + 11_999)).toBe(0);
    expect(await store.getOutput(kept.id)).toBeDefined();
    expect(await store.purgeExpiredResults(T0 + 12_000)).toBeGreaterThanOrEqual(2);
    expect(await store.getOutput(kept.id)).toBeUndefined();
  });

  it("lists an owner's jobs newest first with an `after` cursor", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await store.createJob(newJob({ type: "listed", owner: "carol" }))).job.id);
    await store.createJob(newJob({ type: "listed", owner: "dave" }));
    const page1 = await store.listJobs({ owner: "carol", type: "listed", limit: 2 });
    expect(page1.jobs.map((job) => job.id)).toEqual([ids[4], ids[3]]);
    expect(page1.hasMore).toBe(true);
    const page3 = await store.listJobs({ owner: "carol", type: "listed", limit: 2, after: ids[1] });
    expect(page3).toMatchObject({ hasMore: false, jobs: [{ id: ids[0] }] });
    expect((await store.listJobs({ owner: "dave", type: "listed", limit: 10, after: ids[1] })).jobs).toEqual(
      [],
    );
  });

  it("deletes a job with everything it holds", async () => {
    const { job } = await store.createJob(newJob());
    expect(await store.deleteJob(job.id)).toBe(true);
    expect(await store.getJob(job.id)).toBeUndefined();
    expect(await store.getInput(job.id)).toBeUndefined();
    expect(await store.eventsAfter(job.id, 0)).toEqual([]);
    expect(await store.deleteJob(job.id)).toBe(false);
  });

  it("reports unfinished jobs past expiry, counts and health", async () => {
    const { job } = await store.createJob(newJob({ type: "expiring", expiresAt: T0 + 5 }));
    expect(await store.jobsPastExpiry(T0 + 10, 100)).toContain(job.id);
    expect((await store.countJobsByStatus()).queued).toBeGreaterThan(0);
    expect((await store.countPendingUnits()).test_page).toBeGreaterThan(0);
    expect(await store.health()).toEqual({ ok: true, backend: backend.name });
  });
});
