import type Database from "better-sqlite3";
import type { ClaimRequest, JsonValue, UnitOutcome, UnitState, WorkUnit } from "../job-store.ts";
import {
  byJobAndSeq,
  finalizeUnitRow,
  readyToFinalize,
  type UnitRow,
  unitRowValues,
} from "../queued-units.ts";
import { jsonText, type Row, toJobRecord, toUnitResult, toWorkUnit } from "../row-mapping.ts";
import { json, write } from "./database.ts";
import { appendEvent } from "./events.ts";

/** Work units: queueing them, claiming them under a lease, renewing leases, and settling them. */

/** Inserts a pending unit; a unit with the same id already queued is left as it is. */
export function insertUnit(db: Database.Database, unit: UnitRow): void {
  db.prepare(
    `INSERT INTO job_units (id, job_id, kind, seq, owner, payload, state, queued_at, available_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING`,
  ).run(...unitRowValues(unit));
}

export function queueFinalize(db: Database.Database, jobId: string, kind: string, owner: string): void {
  insertUnit(db, finalizeUnitRow(jobId, kind, owner));
}

export function claimUnits(db: Database.Database, request: ClaimRequest): WorkUnit[] {
  if (request.kinds.length === 0 || request.limit <= 0) return [];
  const kinds = request.kinds.map(() => "?").join(", ");
  return write(db, () => {
    const rows = db
      .prepare(
        `UPDATE job_units SET state = 'leased', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1
         WHERE id IN (
           SELECT u.id FROM job_units u LEFT JOIN jobs j ON j.id = u.job_id
           WHERE u.kind IN (${kinds})
             AND ((u.state = 'pending' AND u.available_at <= ?) OR (u.state = 'leased' AND u.lease_expires_at < ?))
             AND (u.job_id IS NULL OR j.status IN ('queued', 'in_progress'))
           ORDER BY u.queued_at, u.job_id, u.seq LIMIT ?)
         RETURNING *`,
      )
      .all(
        request.workerId,
        request.now + request.leaseMs,
        ...request.kinds,
        request.now,
        request.now,
        request.limit,
      ) as Row[];
    const units = rows.map((row) => toWorkUnit(row, json));
    const start = db.prepare(
      "UPDATE jobs SET status = 'in_progress', started_at = ? WHERE id = ? AND status = 'queued'",
    );
    for (const jobId of new Set(units.map((unit) => unit.jobId))) {
      if (jobId !== null) start.run(request.now, jobId);
    }
    return units.sort(byJobAndSeq);
  });
}

export function renewLeases(
  db: Database.Database,
  workerId: string,
  unitIds: readonly string[],
  leaseMs: number,
  now: number,
): string[] {
  if (unitIds.length === 0) return [];
  return write(db, () => {
    const renew = db.prepare(
      "UPDATE job_units SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND state = 'leased'",
    );
    return unitIds.filter((id) => renew.run(now + leaseMs, id, workerId).changes === 0);
  });
}

export function settleUnit(
  db: Database.Database,
  workerId: string,
  unit: WorkUnit,
  outcome: UnitOutcome,
): boolean {
  return write(db, () => {
    if (outcome.kind === "retry") {
      return (
        db
          .prepare(
            `UPDATE job_units SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, available_at = ?, error = ?
             WHERE id = ? AND lease_owner = ? AND state = 'leased'`,
          )
          .run(outcome.availableAt, jsonText(outcome.error), unit.id, workerId).changes > 0
      );
    }
    const state: UnitState = outcome.kind;
    const changed = db
      .prepare(
        `UPDATE job_units SET state = ?, result = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = ? AND lease_owner = ? AND state = 'leased'`,
      )
      .run(
        state,
        jsonText(outcome.result ?? null),
        outcome.kind === "failed" ? jsonText(outcome.error) : null,
        unit.id,
        workerId,
      ).changes;
    if (changed === 0) return false;
    if (unit.jobId === null) return true;
    const row = db
      .prepare(
        `UPDATE jobs SET units_done = units_done + ?, units_failed = units_failed + ?
         WHERE id = ? AND finalize_kind <> ? RETURNING *`,
      )
      .get(state === "done" ? 1 : 0, state === "failed" ? 1 : 0, unit.jobId, unit.kind) as Row | undefined;
    if (!row) return true;
    if (outcome.event) appendEvent(db, unit.jobId, outcome.event.event, outcome.event.data);
    const job = toJobRecord(row, json);
    if (readyToFinalize(job)) queueFinalize(db, job.id, String(row.finalize_kind), job.owner);
    return true;
  });
}

export function unitResults(
  db: Database.Database,
  jobId: string,
  kind: string,
): Array<{ seq: number; state: UnitState; result: JsonValue }> {
  const rows = db
    .prepare("SELECT seq, state, result FROM job_units WHERE job_id = ? AND kind = ? ORDER BY seq")
    .all(jobId, kind) as Row[];
  return rows.map((row) => toUnitResult(row, json));
}
