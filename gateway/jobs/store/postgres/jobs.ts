import type pg from "pg";
import type { JobRecord, ListJobsQuery, NewJob } from "../job-store.ts";
import { jobUnitRows } from "../queued-units.ts";
import { newJobValues, type Row, toJobPage, toJobRecord } from "../row-mapping.ts";
import { json, query, transaction } from "./connection.ts";
import { insertUnit, queueFinalize } from "./units.ts";

/** Jobs: creating one with its units and input (idempotently), reading, listing and deleting them. */

export async function createJob(pool: pg.Pool, job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
  try {
    return await transaction(pool, async (client) => {
      const inserted = await client.query(
        `INSERT INTO jobs (id, type, owner, status, idempotency_key, request_hash, params, metadata, webhook_url,
           finalize_kind, units_total, created_at, expires_at)
         VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING *`,
        newJobValues(job),
      );
      if (inserted.rows.length === 0) {
        const existing = await client.query("SELECT * FROM jobs WHERE owner = $1 AND idempotency_key = $2", [
          job.owner,
          job.idempotencyKey,
        ]);
        return { job: toJobRecord(existing.rows[0], json), created: false };
      }
      if (job.input) {
        await client.query("INSERT INTO job_inputs (job_id, data) VALUES ($1, $2)", [job.id, job.input]);
      }
      for (const unit of jobUnitRows(job)) await insertUnit(client, unit);
      if (job.units.length === 0) await queueFinalize(client, job.id, job.finalizeKind, job.owner);
      return { job: toJobRecord(inserted.rows[0], json), created: true };
    });
  } catch (error) {
    // Two requests with one new key raced: the loser's insert waited for the winner, then did nothing.
    if ((error as { code?: string }).code === "23505" && job.idempotencyKey != null) {
      const existing = await findByIdempotencyKey(pool, job.owner, job.idempotencyKey);
      if (existing) return { job: existing, created: false };
    }
    throw error;
  }
}

export async function getJob(pool: pg.Pool, id: string): Promise<JobRecord | undefined> {
  const rows = await query(pool, "SELECT * FROM jobs WHERE id = $1", [id]);
  return rows[0] ? toJobRecord(rows[0], json) : undefined;
}

export async function findByIdempotencyKey(
  pool: pg.Pool,
  owner: string,
  key: string,
): Promise<JobRecord | undefined> {
  const rows = await query(pool, "SELECT * FROM jobs WHERE owner = $1 AND idempotency_key = $2", [
    owner,
    key,
  ]);
  return rows[0] ? toJobRecord(rows[0], json) : undefined;
}

export async function listJobs(
  pool: pg.Pool,
  listing: ListJobsQuery,
): Promise<{ jobs: JobRecord[]; hasMore: boolean }> {
  let rows: Row[];
  if (listing.after !== undefined) {
    const cursor = await query(pool, "SELECT created_at, id FROM jobs WHERE id = $1 AND owner = $2", [
      listing.after,
      listing.owner,
    ]);
    if (!cursor[0]) return { jobs: [], hasMore: false };
    rows = await query(
      pool,
      `SELECT * FROM jobs WHERE owner = $1 AND type = $2 AND (created_at, id) < ($3, $4)
       ORDER BY created_at DESC, id DESC LIMIT $5`,
      [listing.owner, listing.type, cursor[0].created_at, cursor[0].id, listing.limit + 1],
    );
  } else {
    rows = await query(
      pool,
      "SELECT * FROM jobs WHERE owner = $1 AND type = $2 ORDER BY created_at DESC, id DESC LIMIT $3",
      [listing.owner, listing.type, listing.limit + 1],
    );
  }
  return toJobPage(rows, listing.limit, json);
}

export async function getInput(pool: pg.Pool, jobId: string): Promise<Buffer | undefined> {
  const rows = await query(pool, "SELECT data FROM job_inputs WHERE job_id = $1", [jobId]);
  return rows[0] ? (rows[0].data as Buffer) : undefined;
}

/** Deletes the job; its input, units, events and output go with it (`ON DELETE CASCADE`). */
export async function deleteJob(pool: pg.Pool, jobId: string): Promise<boolean> {
  return (await query(pool, "DELETE FROM jobs WHERE id = $1 RETURNING id", [jobId])).length > 0;
}
