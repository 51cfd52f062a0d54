import type Database from "better-sqlite3";
import type { JobRecord, ListJobsQuery, NewJob } from "../job-store.ts";
import { jobUnitRows } from "../queued-units.ts";
import { newJobValues, type Row, toJobPage, toJobRecord } from "../row-mapping.ts";
import { json, write } from "./database.ts";
import { insertUnit, queueFinalize } from "./units.ts";

/** Jobs: creating one with its units and input (idempotently), reading, listing and deleting them. */

export function createJob(db: Database.Database, job: NewJob): { job: JobRecord; created: boolean } {
  return write(db, () => {
    if (job.idempotencyKey != null) {
      const existing = findByIdempotencyKey(db, job.owner, job.idempotencyKey);
      if (existing) return { job: existing, created: false };
    }
    db.prepare(
      `INSERT INTO jobs (id, type, owner, status, idempotency_key, request_hash, params, metadata, webhook_url,
         finalize_kind, units_total, created_at, expires_at)
       VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...newJobValues(job));
    if (job.input) db.prepare("INSERT INTO job_inputs (job_id, data) VALUES (?, ?)").run(job.id, job.input);
    for (const unit of jobUnitRows(job)) insertUnit(db, unit);
    if (job.units.length === 0) queueFinalize(db, job.id, job.finalizeKind, job.owner);
    return { job: getJob(db, job.id) as JobRecord, created: true };
  });
}

export function getJob(db: Database.Database, id: string): JobRecord | undefined {
  const row = db.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as Row | undefined;
  return row ? toJobRecord(row, json) : undefined;
}

export function findByIdempotencyKey(
  db: Database.Database,
  owner: string,
  key: string,
): JobRecord | undefined {
  const row = db.prepare("SELECT * FROM jobs WHERE owner = ? AND idempotency_key = ?").get(owner, key) as
    | Row
    | undefined;
  return row ? toJobRecord(row, json) : undefined;
}

export function listJobs(
  db: Database.Database,
  query: ListJobsQuery,
): { jobs: JobRecord[]; hasMore: boolean } {
  const cursor =
    query.after === undefined
      ? undefined
      : (db
          .prepare("SELECT created_at, id FROM jobs WHERE id = ? AND owner = ?")
          .get(query.after, query.owner) as Row | undefined);
  if (query.after !== undefined && !cursor) return { jobs: [], hasMore: false };
  const rows = (
    cursor
      ? db
          .prepare(
            `SELECT * FROM jobs WHERE owner = ? AND type = ? AND (created_at < ? OR (created_at = ? AND id < ?))
             ORDER BY created_at DESC, id DESC LIMIT ?`,
          )
          .all(query.owner, query.type, cursor.created_at, cursor.created_at, cursor.id, query.limit + 1)
      : db
          .prepare(
            "SELECT * FROM jobs WHERE owner = ? AND type = ? ORDER BY created_at DESC, id DESC LIMIT ?",
          )
          .all(query.owner, query.type, query.limit + 1)
  ) as Row[];
  return toJobPage(rows, query.limit, json);
}

export function getInput(db: Database.Database, jobId: string): Buffer | undefined {
  const row = db.prepare("SELECT data FROM job_inputs WHERE job_id = ?").get(jobId) as Row | undefined;
  return row ? (row.data as Buffer) : undefined;
}

/** Deletes the job; its input, units, events and output go with it (`ON DELETE CASCADE`, `foreign_keys = ON`). */
export function deleteJob(db: Database.Database, jobId: string): boolean {
  return write(db, () => db.prepare("DELETE FROM jobs WHERE id = ?").run(jobId).changes > 0);
}
