import {
  JOB_ENDED_KIND,
  type JobRecord,
  type NewJob,
  TERMINAL_STATUSES,
  type WorkUnit,
} from "./job-store.ts";
import { endedJob, jsonText, unitId } from "./row-mapping.ts";

/**
 * Which units the store queues and when, the same for both drivers: a job's own units, its finalize unit
 * (once every other unit is settled) and the `job.ended` unit of a job that reached a terminal status.
 */

/** A unit to insert as `pending` (`jobId` is `null` for a `job.ended` unit, which outlives its job). */
export type UnitRow = Pick<
  WorkUnit,
  "id" | "jobId" | "kind" | "seq" | "owner" | "payload" | "availableAt"
> & {
  queuedAt: number;
};

/**
 * The values of a unit's insert into `job_units`, in this column order: id, job_id, kind, seq, owner, payload,
 * queued_at, available_at (the state is always `'pending'`).
 */
export function unitRowValues(unit: UnitRow): unknown[] {
  return [
    unit.id,
    unit.jobId,
    unit.kind,
    unit.seq,
    unit.owner,
    jsonText(unit.payload) ?? "null",
    unit.queuedAt,
    unit.availableAt,
  ];
}

/** The units a new job is created with, queued and runnable at its creation time. */
export function jobUnitRows(job: NewJob): UnitRow[] {
  return job.units.map((unit) => ({
    id: unitId(job.id, unit.kind, unit.seq),
    jobId: job.id,
    kind: unit.kind,
    seq: unit.seq,
    owner: job.owner,
    payload: unit.payload,
    queuedAt: job.createdAt,
    availableAt: job.createdAt,
  }));
}

/** The finalize unit sorts first (`queued_at` 0) and is runnable at once. */
export function finalizeUnitRow(jobId: string, kind: string, owner: string): UnitRow {
  return {
    id: unitId(jobId, kind, 0),
    jobId,
    kind,
    seq: 0,
    owner,
    payload: null,
    queuedAt: 0,
    availableAt: 0,
  };
}

/** The `job.ended` unit of a job that just reached a terminal status. */
export function jobEndedUnitRow(job: JobRecord, now: number): UnitRow {
  return {
    id: unitId(job.id, JOB_ENDED_KIND, 0),
    jobId: null,
    kind: JOB_ENDED_KIND,
    seq: 0,
    owner: job.owner,
    payload: endedJob(job),
    queuedAt: now,
    availableAt: now,
  };
}

/** Every unit of the job is settled and the job is still open: its finalize unit is due. */
export function readyToFinalize(job: JobRecord): boolean {
  return job.unitsDone + job.unitsFailed >= job.unitsTotal && !TERMINAL_STATUSES.has(job.status);
}

/** The order `claimUnits` returns its units in: by job, then by `seq`. */
export function byJobAndSeq(a: WorkUnit, b: WorkUnit): number {
  return (a.jobId ?? "").localeCompare(b.jobId ?? "") || a.seq - b.seq;
}
