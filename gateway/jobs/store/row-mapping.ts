import type {
  EndedJob,
  JobError,
  JobOutput,
  JobOutputInfo,
  JobRecord,
  JobStatus,
  JsonValue,
  UnitState,
  WorkUnit,
} from "./job-store.ts";

/** A row as a driver returns it: PostgreSQL gives jsonb parsed and bigint as strings; SQLite gives JSON text. */
export type Row = Record<string, unknown>;

/** Reads a JSON column: parsed already (PostgreSQL jsonb) or text (SQLite). */
export type JsonColumn = (value: unknown) => JsonValue | null;

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
