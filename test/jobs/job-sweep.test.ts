import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { runJobSweep } from "../../gateway/jobs/job-sweep.ts";
import { SqliteJobStore } from "../../gateway/jobs/store/sqlite/sqlite-job-store.ts";
import { createGatewayMetrics } from "../../gateway/metrics/gateway-metrics.ts";

describe("job sweep", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "job-sweep-"));
  const store = SqliteJobStore.open(dir);
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("expires unfinished jobs (deleting their input), purges results after the TTL and samples gauges", async () => {
    const metrics = createGatewayMetrics();
    const settings = { metrics, logger: pino({ level: "silent" }), resultTtlMs: 1_000 };
    const base = { type: "ocr", owner: "o", params: {}, finalizeKind: "f", createdAt: 1_000 };
    await store.createJob({
      ...base,
      id: "late",
      units: [{ kind: "p", seq: 0, payload: null }],
      input: Buffer.from("doc"),
      expiresAt: 5_000,
    });
    await store.createJob({
      ...base,
      id: "fresh",
      units: [{ kind: "p", seq: 0, payload: null }],
      expiresAt: 50_000,
    });

    await runJobSweep(store, { ...settings, now: 6_000 });
    expect(await store.getJob("late")).toMatchObject({ status: "expired", error: { code: "job_expired" } });
    expect(await store.getInput("late")).toBeUndefined();
    expect((await store.eventsAfter("late", 0)).at(-1)?.event).toBe("error");
    expect((await store.getJob("fresh"))?.status).toBe("queued");
    const gauges = await metrics.registry.getSingleMetricAsString("ocr_gateway_jobs");
    expect(gauges).toContain('ocr_gateway_jobs{status="expired"} 1');
    expect(gauges).toContain('ocr_gateway_jobs{status="queued"} 1');

    await runJobSweep(store, { ...settings, now: 7_001 });
    expect(await store.getJob("late")).toBeUndefined();
    expect(await store.getJob("fresh")).toBeDefined();
  });
});
