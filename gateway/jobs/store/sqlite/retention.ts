import type Database from "better-sqlite3";
import type { Row } from "../row-mapping.ts";
import { write } from "./database.ts";

/** Retention: unfinished jobs past their expiry, and finished jobs whose result time is over. */

export function jobsPastExpiry(db: Database.Database, now: number, limit: number): string[] {
  const rows = db
    .prepare("SELECT id FROM jobs WHERE status IN ('queued', 'in_progress') AND expires_at <= ? LIMIT ?")
    .all(now, limit) as Row[];
  return rows.map((row) => String(row.id));
}

/**
 * In one write transaction: deletes settled `job.ended` units, then the expired jobs (with their output files);
 * returns how many jobs.
 */
export function purgeExpiredResults(db: Database.Database, now: number): number {
  return write(db, () => {
    db.prepare(
      "DELETE FROM job_units WHERE job_id IS NULL AND state IN ('done', 'failed', 'cancelled')",
    ).run();
    return db.prepare("DELETE FROM jobs WHERE result_expires_at <= ?").run(now).changes;
  });
}
