import type pg from "pg";
import type { FinishJob, JobOutput, JobOutputInfo, JobRecord } from "../job-store.ts";
import { jobEndedUnitRow } from "../queued-units.ts";
import {
  finishedJobValues,
  OUTPUT_INFO_COLUMNS,
  toJobOutput,
  toJobOutputInfo,
  toJobRecord,
} from "../row-mapping.ts";
import { json, query, transaction } from "./connection.ts";
import { appendEvent } from "./events.ts";
import { insertUnit } from "./units.ts";

/** Finishing a job (its status, result and output file in one transaction) and reading its output file. */

/**
 * In one transaction: the terminal status with result and error, the output file, the last event, the open
 * units cancelled, the input deleted, and the `job.ended` unit queued.
 */
export async function finishJob(
  pool: pg.Pool,
  jobId: string,
  finish: FinishJob,
): Promise<JobRecord | undefined> {
  return transaction(pool, async (client) => {
    const { rows } = await client.query(
      `UPDATE jobs SET status = $1, result = $2, error = $3, ended_at = $4, result_expires_at = $5
       WHERE id = $6 AND status IN ('queued', 'in_progress') RETURNING *`,
      finishedJobValues(jobId, finish),
    );
    if (!rows[0]) return undefined;
    if (finish.output) {
      const { format, contentType, filename, data } = finish.output;
      await client.query(
        `INSERT INTO job_outputs (job_id, ${OUTPUT_INFO_COLUMNS}, data) VALUES ($1, $2, $3, $4, $5, $6)`,
        [jobId, format, contentType, filename, data.length, Buffer.from(data)],
      );
    }
    if (finish.event) await appendEvent(client, jobId, finish.event.event, finish.event.data);
    await client.query(
      "UPDATE job_units SET state = 'cancelled', lease_owner = NULL WHERE job_id = $1 AND state IN ('pending', 'leased')",
      [jobId],
    );
    await client.query("DELETE FROM job_inputs WHERE job_id = $1", [jobId]);
    const job = toJobRecord(rows[0], json);
    await insertUnit(client, jobEndedUnitRow(job, finish.now));
    return job;
  });
}

export async function describeOutput(pool: pg.Pool, jobId: string): Promise<JobOutputInfo | undefined> {
  const rows = await query(pool, `SELECT ${OUTPUT_INFO_COLUMNS} FROM job_outputs WHERE job_id = $1`, [jobId]);
  return rows[0] ? toJobOutputInfo(rows[0]) : undefined;
}

export async function getOutput(pool: pg.Pool, jobId: string): Promise<JobOutput | undefined> {
  const rows = await query(pool, `SELECT ${OUTPUT_INFO_COLUMNS}, data FROM job_outputs WHERE job_id = $1`, [
    jobId,
  ]);
  return rows[0] ? toJobOutput(rows[0]) : undefined;
}
