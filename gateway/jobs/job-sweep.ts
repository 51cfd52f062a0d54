import type { Logger } from "pino";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { JobStore } from "./store/job-store.ts";

const EXPIRED = { code: "job_expired", message: "The job did not finish within JOB_EXPIRE_AFTER." };
const STATUSES = ["queued", "in_progress", "completed", "failed", "cancelled", "expired"];

export interface SweepSettings {
  metrics: GatewayMetrics;
  logger: Logger;
  resultTtlMs: number;
  now: number;
}

/**
 * The periodic housekeeping of the job store: unfinished jobs past their expiry become `expired` (their input
 * is deleted), finished jobs past `JOB_RESULT_TTL` are purged with their results, and the job gauges are
 * sampled. Safe to run on every replica at once.
 */
export async function runJobSweep(store: JobStore, settings: SweepSettings): Promise<void> {
  const { metrics, logger, now } = settings;
  try {
    for (const jobId of await store.jobsPastExpiry(now, 500)) {
      await store.finishJob(jobId, {
        status: "expired",
        error: EXPIRED,
        event: { event: "error", data: { error: { ...EXPIRED, type: "job_error", param: null } } },
        now,
        resultTtlMs: settings.resultTtlMs,
      });
    }
    const purged = await store.purgeExpiredResults(now);
    if (purged > 0) logger.info({ purged }, "purged expired job results");
    const byStatus = await store.countJobsByStatus();
    for (const status of STATUSES) metrics.jobs.set({ status }, byStatus[status] ?? 0);
    metrics.jobQueueDepth.reset();
    for (const [kind, count] of Object.entries(await store.countPendingUnits()))
      metrics.jobQueueDepth.set({ kind }, count);
  } catch (error) {
    logger.warn({ err: (error as Error).message }, "job sweep failed; next sweep retries");
  }
}
