import type Database from "better-sqlite3";
import type { StoreHealth } from "../job-store.ts";
import { countsBy, type Row } from "../row-mapping.ts";

/** What the store reports about itself: whether the database answers, and counts for metrics. */

export function countJobsByStatus(db: Database.Database): Record<string, number> {
  return countsBy(
    db.prepare("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status").all() as Row[],
    "status",
  );
}

/** Runnable units by kind: pending ones and leased ones (running, or whose lease will expire). */
export function countPendingUnits(db: Database.Database): Record<string, number> {
  const rows = db
    .prepare("SELECT kind, COUNT(*) AS n FROM job_units WHERE state IN ('pending', 'leased') GROUP BY kind")
    .all() as Row[];
  return countsBy(rows, "kind");
}

export function health(db: Database.Database): StoreHealth {
  try {
    db.prepare("SELECT 1").get();
    return { ok: true, backend: "sqlite" };
  } catch (error) {
    return { ok: false, backend: "sqlite", error: (error as Error).message };
  }
}
