import type Database from "better-sqlite3";
import type { FinishJob, JobOutput, JobOutputInfo, JobRecord } from "../job-store.ts";
import { jobEndedUnitRow } from "../queued-units.ts";
import {
  finishedJobValues,
  OUTPUT_INFO_COLUMNS,
  type Row,
  toJobOutput,
  toJobOutputInfo,
  toJobRecord,
} from "../row-mapping.ts";
import { json, write } from "./database.ts";
import { appendEvent } from "./events.ts";
import { insertUnit } from "./units.ts";

/** Finishing a job (its status, result and output file in one transaction) and reading its output file. */

/**
 * In one transaction: the terminal status with result and error, the output file, the last event, the open
 * units cancelled, the input deleted, and the `job.ended` unit queued.
 */
export function finishJob(db: Database.Database, jobId: string, finish: FinishJob): JobRecord | undefined {
  return write(db, () => {
    const row = db
      .prepare(
        `UPDATE jobs SET status = ?, result = ?, error = ?, ended_at = ?, result_expires_at = ?
         WHERE id = ? AND status IN ('queued', 'in_progress') RETURNING *`,
      )
      .get(...finishedJobValues(jobId, finish)) as Row | undefined;
    if (!row) return undefined;
    if (finish.output) {
      const { format, contentType, filename, data } = finish.output;
      db.prepare(
        `INSERT INTO job_outputs (job_id, ${OUTPUT_INFO_COLUMNS}, data) VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(jobId, format, contentType, filename, data.length, Buffer.from(data));
    }
    if (finish.event) appendEvent(db, jobId, finish.event.event, finish.event.data);
    db.prepare(
      "UPDATE job_units SET state = 'cancelled', lease_owner = NULL WHERE job_id = ? AND state IN ('pending', 'leased')",
    ).run(jobId);
    db.prepare("DELETE FROM job_inputs WHERE job_id = ?").run(jobId);
    const job = toJobRecord(row, json);
    insertUnit(db, jobEndedUnitRow(job, finish.now));
    return job;
  });
}

export function describeOutput(db: Database.Database, jobId: string): JobOutputInfo | undefined {
  const row = db.prepare(`SELECT ${OUTPUT_INFO_COLUMNS} FROM job_outputs WHERE job_id = ?`).get(jobId) as
    | Row
    | undefined;
  return row ? toJobOutputInfo(row) : undefined;
}

export function getOutput(db: Database.Database, jobId: string): JobOutput | undefined {
  const row = db
    .prepare(`SELECT ${OUTPUT_INFO_COLUMNS}, data FROM job_outputs WHERE job_id = ?`)
    .get(jobId) as Row | undefined;
  return row ? toJobOutput(row) : undefined;
}
