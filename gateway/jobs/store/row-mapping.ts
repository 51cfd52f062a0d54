import type {
  EndedJob,
  FinishJob,
  JobError,
  JobOutput,
  JobOutputInfo,
  JobRecord,
  JobStatus,
  JsonValue,
  NewJob,
  StoredEvent,
  UnitState,
  WorkUnit,
} from "./job-store.ts";

/** A row as a driver returns it: PostgreSQL gives jsonb parsed and bigint as strings; SQLite gives JSON text. */
export type Row = Record<string, unknown>;

/** Reads a JSON column: parsed already (PostgreSQL jsonb) or text (SQLite). */
export type JsonColumn = (value: unknown) => JsonValue | null;

/** Writes a JSON column: JSON text for both drivers (PostgreSQL casts it to jsonb); `null`/`undefined` → SQL NULL. */
export const jsonText = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);

const optionalNumber = (value: unknown): number | null => (value == null ? null : Number(value));

export function toJobRecord(row: Row, json: JsonColumn): JobRecord {
  return {
    id: String(row.id),
    type: String(row.type),
    owner: String(row.owner),
    status: row.status as JobStatus,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    requestHash: (row.request_hash as string | null) ?? null,
    params: json(row.params),
    metadata: json(row.metadata) as Record<string, string> | null,
    webhookUrl: (row.webhook_url as string | null) ?? null,
    unitsTotal: Number(row.units_total),
    unitsDone: Number(row.units_done),
    unitsFailed: Number(row.units_failed),
    result: json(row.result),
    error: json(row.error) as JobError | null,
    createdAt: Number(row.created_at),
    startedAt: optionalNumber(row.started_at),
    endedAt: optionalNumber(row.ended_at),
    expiresAt: Number(row.expires_at),
    resultExpiresAt: optionalNumber(row.result_expires_at),
  };
}

export function toWorkUnit(row: Row, json: JsonColumn): WorkUnit {
  return {
    id: String(row.id),
    jobId: (row.job_id as string | null) ?? null,
    kind: String(row.kind),
    seq: Number(row.seq),
    owner: String(row.owner),
    payload: json(row.payload),
    state: row.state as UnitState,
    attempts: Number(row.attempts),
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseExpiresAt: optionalNumber(row.lease_expires_at),
    availableAt: Number(row.available_at),
    result: json(row.result),
    error: json(row.error) as JobError | null,
  };
}

/** The `job.ended` payload: the job without its (possibly large) params and result. */
export function endedJob(job: JobRecord): EndedJob {
  const { result: _result, params: _params, ...rest } = job;
  return rest;
}

/** A unit's id: deterministic, so queueing the same unit twice (a finalize unit) is a no-op. */
export function unitId(jobId: string, kind: string, seq: number): string {
  return `${jobId}:${kind}:${seq}`;
}

/** The columns of `job_outputs` but the bytes. */
export const OUTPUT_INFO_COLUMNS = "format, content_type, filename, bytes";

export function toJobOutputInfo(row: Row): JobOutputInfo {
  return {
    format: String(row.format),
    contentType: String(row.content_type),
    filename: String(row.filename),
    bytes: Number(row.bytes),
  };
}

export function toJobOutput(row: Row): JobOutput {
  return { ...toJobOutputInfo(row), data: Buffer.from(row.data as Uint8Array) };
}

/**
 * The values `createJob` inserts into `jobs`, in this column order: id, type, owner, idempotency_key,
 * request_hash, params, metadata, webhook_url, finalize_kind, units_total, created_at, expires_at.
 */
export function newJobValues(job: NewJob): unknown[] {
  return [
    job.id,
    job.type,
    job.owner,
    job.idempotencyKey ?? null,
    job.requestHash ?? null,
    jsonText(job.params) ?? "null",
    jsonText(job.metadata ?? null),
    job.webhookUrl ?? null,
    job.finalizeKind,
    job.units.length,
    job.createdAt,
    job.expiresAt,
  ];
}

/**
 * The values of `finishJob`'s update of `jobs`, in this order: status, result, error, ended_at, result_expires_at,
 * and the job's id.
 */
export function finishedJobValues(jobId: string, finish: FinishJob): unknown[] {
  return [
    finish.status,
    jsonText(finish.result ?? null),
    jsonText(finish.error ?? null),
    finish.now,
    finish.now + finish.resultTtlMs,
    jobId,
  ];
}

/** A page of `listJobs` from rows fetched with `limit + 1`: the extra row only says more follow. */
export function toJobPage(
  rows: Row[],
  limit: number,
  json: JsonColumn,
): { jobs: JobRecord[]; hasMore: boolean } {
  return {
    jobs: rows.slice(0, limit).map((row) => toJobRecord(row, json)),
    hasMore: rows.length > limit,
  };
}

export function toUnitResult(
  row: Row,
  json: JsonColumn,
): { seq: number; state: UnitState; result: JsonValue } {
  return { seq: Number(row.seq), state: row.state as UnitState, result: json(row.result) };
}

export function toStoredEvent(row: Row, json: JsonColumn): StoredEvent {
  return { seq: Number(row.seq), event: String(row.event), data: json(row.data) };
}

/** `SELECT <column>, COUNT(*) AS n … GROUP BY <column>` rows as `{ value: n }`. */
export function countsBy(rows: Row[], column: string): Record<string, number> {
  return Object.fromEntries(rows.map((row) => [String(row[column]), Number(row.n)]));
}
