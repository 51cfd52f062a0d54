import type pg from "pg";
import type { JsonValue, StoredEvent } from "../job-store.ts";
import { jsonText, toStoredEvent } from "../row-mapping.ts";
import { json, type Queryable, query } from "./connection.ts";

/**
 * Appends an event to the job's log inside the caller's transaction: the job's `event_seq` counter gives the
 * event its number (the row lock orders concurrent appends). Returns 0, appending nothing, if the job is gone.
 */
export async function appendEvent(
  client: Queryable,
  jobId: string,
  event: string,
  data: JsonValue,
): Promise<number> {
  const { rows } = await client.query(
    "UPDATE jobs SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq",
    [jobId],
  );
  if (rows.length === 0) return 0;
  const seq = Number(rows[0].event_seq);
  await client.query("INSERT INTO job_events (job_id, seq, event, data) VALUES ($1, $2, $3, $4)", [
    jobId,
    seq,
    event,
    jsonText(data) ?? "null",
  ]);
  return seq;
}

export async function eventsAfter(
  pool: pg.Pool,
  jobId: string,
  afterSeq: number,
  limit: number,
): Promise<StoredEvent[]> {
  const rows = await query(
    pool,
    "SELECT seq, event, data FROM job_events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    [jobId, afterSeq, limit],
  );
  return rows.map((row) => toStoredEvent(row, json));
}
