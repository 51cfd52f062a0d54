import type pg from "pg";
import type { StoreHealth } from "../job-store.ts";
import { countsBy } from "../row-mapping.ts";
import { query } from "./connection.ts";

/** What the store reports about itself: whether the database answers, and counts for metrics. */

export async function countJobsByStatus(pool: pg.Pool): Promise<Record<string, number>> {
  return countsBy(await query(pool, "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status"), "status");
}

/** Runnable units by kind: pending ones and leased ones (running, or whose lease will expire). */
export async function countPendingUnits(pool: pg.Pool): Promise<Record<string, number>> {
  const rows = await query(
    pool,
    "SELECT kind, COUNT(*) AS n FROM job_units WHERE state IN ('pending', 'leased') GROUP BY kind",
  );
  return countsBy(rows, "kind");
}

export async function health(pool: pg.Pool): Promise<StoreHealth> {
  try {
    await query(pool, "SELECT 1");
    return { ok: true, backend: "postgres" };
  } catch (error) {
    return { ok: false, backend: "postgres", error: (error as Error).message };
  }
}
