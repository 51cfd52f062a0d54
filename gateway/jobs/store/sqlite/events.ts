import type Database from "better-sqlite3";
import type { JsonValue, StoredEvent } from "../job-store.ts";
import { jsonText, type Row, toStoredEvent } from "../row-mapping.ts";
import { json } from "./database.ts";

/**
 * Appends an event to the job's log inside the caller's write transaction: the job's `event_seq` counter gives
 * the event its number. Returns 0, appending nothing, if the job is gone.
 */
export function appendEvent(db: Database.Database, jobId: string, event: string, data: JsonValue): number {
  const row = db
    .prepare("UPDATE jobs SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq")
    .get(jobId) as Row | undefined;
  if (!row) return 0;
  const seq = Number(row.event_seq);
  db.prepare("INSERT INTO job_events (job_id, seq, event, data) VALUES (?, ?, ?, ?)").run(
    jobId,
    seq,
    event,
    jsonText(data) ?? "null",
  );
  return seq;
}

export function eventsAfter(
  db: Database.Database,
  jobId: string,
  afterSeq: number,
  limit: number,
): StoredEvent[] {
  const rows = db
    .prepare("SELECT seq, event, data FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?")
    .all(jobId, afterSeq, limit) as Row[];
  return rows.map((row) => toStoredEvent(row, json));
}
