import type pg from "pg";
import { query } from "./connection.ts";

/** Retention: unfinished jobs past their expiry, and finished jobs whose result time is over. */

export async function jobsPastExpiry(pool: pg.Pool, now: number, limit: number): Promise<string[]> {
  const rows = await query(
    pool,
    "SELECT id FROM jobs WHERE status IN ('queued', 'in_progress') AND expires_at <= $1 LIMIT $2",
    [now, limit],
  );
  return rows.map((row) => String(row.id));
}

/** Deletes settled `job.ended` units, then the expired jobs (with their output files); returns how many jobs. */
export async function purgeExpiredResults(pool: pg.Pool, now: number): Promise<number> {
  await query(
    pool,
    "DELETE FROM job_units WHERE job_id IS NULL AND state IN ('done', 'failed', 'cancelled')",
  );
  return (await query(pool, "DELETE FROM jobs WHERE result_expires_at <= $1 RETURNING id", [now])).length;
}
