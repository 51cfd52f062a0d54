import type pg from "pg";
import type { ClaimRequest, JsonValue, UnitOutcome, UnitState, WorkUnit } from "../job-store.ts";
import {
  byJobAndSeq,
  finalizeUnitRow,
  readyToFinalize,
  type UnitRow,
  unitRowValues,
} from "../queued-units.ts";
import { jsonText, toJobRecord, toUnitResult, toWorkUnit } from "../row-mapping.ts";
import { json, type Queryable, query, transaction } from "./connection.ts";
import { appendEvent } from "./events.ts";

/** Work units: queueing them, claiming them under a lease, renewing leases, and settling them. */

/** Inserts a pending unit; a unit with the same id already queued is left as it is. */
export async function insertUnit(client: Queryable, unit: UnitRow): Promise<void> {
  await client.query(
    `INSERT INTO job_units (id, job_id, kind, seq, owner, payload, state, queued_at, available_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) ON CONFLICT (id) DO NOTHING`,
    unitRowValues(unit),
  );
}

export async function queueFinalize(
  client: Queryable,
  jobId: string,
  kind: string,
  owner: string,
): Promise<void> {
  await insertUnit(client, finalizeUnitRow(jobId, kind, owner));
}

/** `FOR UPDATE SKIP LOCKED`: replicas claiming at once never lease the same unit, nor wait for each other. */
export async function claimUnits(pool: pg.Pool, request: ClaimRequest): Promise<WorkUnit[]> {
  if (request.kinds.length === 0 || request.limit <= 0) return [];
  return transaction(pool, async (client) => {
    const { rows } = await client.query(
      `UPDATE job_units u SET state = 'leased', lease_owner = $1, lease_expires_at = $2, attempts = u.attempts + 1
       FROM (
         SELECT u2.id FROM job_units u2 LEFT JOIN jobs j ON j.id = u2.job_id
         WHERE u2.kind = ANY($3)
           AND ((u2.state = 'pending' AND u2.available_at <= $4) OR (u2.state = 'leased' AND u2.lease_expires_at < $4))
           AND (u2.job_id IS NULL OR j.status IN ('queued', 'in_progress'))
         ORDER BY u2.queued_at, u2.job_id, u2.seq
         LIMIT $5
         FOR UPDATE OF u2 SKIP LOCKED
       ) picked
       WHERE u.id = picked.id
       RETURNING u.*`,
      [request.workerId, request.now + request.leaseMs, [...request.kinds], request.now, request.limit],
    );
    const units = rows.map((row) => toWorkUnit(row, json));
    const jobIds = [...new Set(units.map((unit) => unit.jobId).filter((id) => id !== null))];
    if (jobIds.length > 0) {
      await client.query(
        "UPDATE jobs SET status = 'in_progress', started_at = $1 WHERE id = ANY($2) AND status = 'queued'",
        [request.now, jobIds],
      );
    }
    return units.sort(byJobAndSeq);
  });
}

export async function renewLeases(
  pool: pg.Pool,
  workerId: string,
  unitIds: readonly string[],
  leaseMs: number,
  now: number,
): Promise<string[]> {
  if (unitIds.length === 0) return [];
  const rows = await query(
    pool,
    `UPDATE job_units SET lease_expires_at = $1 WHERE id = ANY($2) AND lease_owner = $3 AND state = 'leased'
     RETURNING id`,
    [now + leaseMs, [...unitIds], workerId],
  );
  const held = new Set(rows.map((row) => String(row.id)));
  return unitIds.filter((id) => !held.has(id));
}

export async function settleUnit(
  pool: pg.Pool,
  workerId: string,
  unit: WorkUnit,
  outcome: UnitOutcome,
): Promise<boolean> {
  return transaction(pool, async (client) => {
    if (outcome.kind === "retry") {
      const retried = await client.query(
        `UPDATE job_units SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, available_at = $1, error = $2
         WHERE id = $3 AND lease_owner = $4 AND state = 'leased'`,
        [outcome.availableAt, jsonText(outcome.error), unit.id, workerId],
      );
      return (retried.rowCount ?? 0) > 0;
    }
    const state: UnitState = outcome.kind;
    const settled = await client.query(
      `UPDATE job_units SET state = $1, result = $2, error = $3, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $4 AND lease_owner = $5 AND state = 'leased'`,
      [
        state,
        jsonText(outcome.result ?? null),
        outcome.kind === "failed" ? jsonText(outcome.error) : null,
        unit.id,
        workerId,
      ],
    );
    if ((settled.rowCount ?? 0) === 0) return false;
    if (unit.jobId === null) return true;
    const { rows } = await client.query(
      `UPDATE jobs SET units_done = units_done + $1, units_failed = units_failed + $2
       WHERE id = $3 AND finalize_kind <> $4 RETURNING *`,
      [state === "done" ? 1 : 0, state === "failed" ? 1 : 0, unit.jobId, unit.kind],
    );
    if (!rows[0]) return true;
    if (outcome.event) await appendEvent(client, unit.jobId, outcome.event.event, outcome.event.data);
    const job = toJobRecord(rows[0], json);
    if (readyToFinalize(job)) await queueFinalize(client, job.id, String(rows[0].finalize_kind), job.owner);
    return true;
  });
}

export async function unitResults(
  pool: pg.Pool,
  jobId: string,
  kind: string,
): Promise<Array<{ seq: number; state: UnitState; result: JsonValue }>> {
  const rows = await query(
    pool,
    "SELECT seq, state, result FROM job_units WHERE job_id = $1 AND kind = $2 ORDER BY seq",
    [jobId, kind],
  );
  return rows.map((row) => toUnitResult(row, json));
}
