/**
 * The durable job store: jobs (one per async request or batch), their units of work (a page, a batch line…)
 * claimed by workers under a lease, the events a job emitted (for SSE replay) and the job's input document.
 * Two implementations behave the same: PostgreSQL (`DATABASE_URL`, several replicas share the work) and
 * SQLite under `DATA_DIR` (one machine, nothing to run). Times are milliseconds since the epoch.
 */

export type JobStatus = "queued" | "in_progress" | "completed" | "failed" | "cancelled" | "expired";

/** Statuses a job never leaves; reaching one deletes the input and queues a `job.ended` unit. */
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  "completed",
  "failed",
  "cancelled",
  "expired",
]);

export type JsonValue = unknown;

export interface JobError {
  code: string;
  message: string;
}

export interface JobRecord {
  id: string;
  /** What the job is (`ocr`, `batch`…): chosen by the feature that creates it, opaque to the store. */
  type: string;
  /** The API key name or JWT subject that created the job (`anonymous` with auth off). */
  owner: string;
  status: JobStatus;
  idempotencyKey: string | null;
  /** A hash of the creating request, to tell a retry from a different request with the same key. */
  requestHash: string | null;
  /** What the feature needs to run the job (validated request options…). */
  params: JsonValue;
  metadata: Record<string, string> | null;
  webhookUrl: string | null;
  unitsTotal: number;
  unitsDone: number;
  unitsFailed: number;
  /** The final answer, set by the finalize unit; purged after `resultExpiresAt`. */
  result: JsonValue | null;
  error: JobError | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** When a job still unfinished becomes `expired`. */
  expiresAt: number;
  /** When a finished job and its result are purged (set when the job ends). */
  resultExpiresAt: number | null;
}

export type UnitState = "pending" | "leased" | "done" | "failed" | "cancelled";

export interface WorkUnit {
  id: string;
  /** `null` for units that outlive their job (`job.ended`). */
  jobId: string | null;
  /** The handler that runs it: `ocr_page`, `ocr_finalize`, `batch_line`, `job.ended`… */
  kind: string;
  /** Order within the job (page position, line number). */
  seq: number;
  owner: string;
  payload: JsonValue;
  state: UnitState;
  attempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  availableAt: number;
  result: JsonValue | null;
  error: JobError | null;
}

export interface NewUnit {
  kind: string;
  seq: number;
  payload: JsonValue;
}

export interface NewJob {
  id: string;
  type: string;
  owner: string;
  idempotencyKey?: string | null;
  requestHash?: string | null;
  params: JsonValue;
  metadata?: Record<string, string> | null;
  webhookUrl?: string | null;
  /** The unit queued once every other unit of the job is done or failed (it builds the result). */
  finalizeKind: string;
  units: NewUnit[];
  /** The document, kept until the job ends. */
  input?: Buffer | null;
  createdAt: number;
  expiresAt: number;
}

export interface StoredEvent {
  /** 1, 2, 3… per job: the SSE `id:` a client sends back as `Last-Event-ID`. */
  seq: number;
  event: string;
  data: JsonValue;
}

export interface ListJobsQuery {
  owner: string;
  type: string;
  /** Jobs created before this job (OpenAI's `after` cursor: the list is newest first). */
  after?: string | undefined;
  limit: number;
}

export interface ClaimRequest {
  /** Identifies this worker; a unit's lease belongs to one worker. */
  workerId: string;
  kinds: readonly string[];
  limit: number;
  leaseMs: number;
  now: number;
}

/** How a unit ended. `retry`: give the unit back, to be claimed again at `availableAt`. */
export type UnitOutcome =
  | { kind: "done"; result: JsonValue; event?: { event: string; data: JsonValue } }
  | { kind: "failed"; error: JobError; result?: JsonValue; event?: { event: string; data: JsonValue } }
  | { kind: "retry"; availableAt: number; error: JobError };

/** A file a job produced (a searchable PDF, ALTO, hOCR), kept with its result and purged with it. */
export interface JobOutputInfo {
  /** What the file is, as the job was asked for it (`pdf`, `alto`, `hocr`). */
  format: string;
  contentType: string;
  filename: string;
  bytes: number;
}

export interface JobOutput extends JobOutputInfo {
  data: Buffer;
}

export interface FinishJob {
  status: Extract<JobStatus, "completed" | "failed" | "cancelled" | "expired">;
  result?: JsonValue;
  /** Stored in the same transaction as the status: a job is never `completed` without its file. */
  output?: { format: string; contentType: string; filename: string; data: Uint8Array };
  error?: JobError | null;
  /** The last event of the job's stream (`done` or `error`). */
  event?: { event: string; data: JsonValue };
  now: number;
  resultTtlMs: number;
}

export interface StoreHealth {
  ok: boolean;
  backend: "postgres" | "sqlite";
  error?: string;
}

/** A job moved to a terminal state: the payload of the `job.ended` unit. */
export type EndedJob = Omit<JobRecord, "result" | "params">;

export const JOB_ENDED_KIND = "job.ended";

export interface JobStore {
  readonly backend: "postgres" | "sqlite";

  /**
   * Inserts the job with its units and input in one transaction. With an idempotency key already used by
   * the same owner, inserts nothing and returns the existing job (`created: false`).
   */
  createJob(job: NewJob): Promise<{ job: JobRecord; created: boolean }>;
  getJob(id: string): Promise<JobRecord | undefined>;
  /** Newest first; `hasMore` when more jobs follow the page. */
  listJobs(query: ListJobsQuery): Promise<{ jobs: JobRecord[]; hasMore: boolean }>;
  findByIdempotencyKey(owner: string, key: string): Promise<JobRecord | undefined>;
  getInput(jobId: string): Promise<Buffer | undefined>;

  /**
   * Leases up to `limit` runnable units of the given kinds: pending ones whose time has come, and leased ones
   * whose lease expired (their worker died). Each claim counts an attempt. Units of jobs that are not queued or
   * in progress are never claimed (except `job.ended`, which has no job). The job moves to `in_progress`.
   */
  claimUnits(request: ClaimRequest): Promise<WorkUnit[]>;
  /** Extends the leases this worker holds; returns the ids of units it no longer holds (cancelled, stolen). */
  renewLeases(workerId: string, unitIds: readonly string[], leaseMs: number, now: number): Promise<string[]>;
  /**
   * Records a unit's outcome if the worker still holds its lease (else returns false and changes nothing).
   * A done or failed unit counts on its job, appends its event, and queues the job's finalize unit once
   * every unit is settled, in the same transaction.
   */
  settleUnit(workerId: string, unit: WorkUnit, outcome: UnitOutcome): Promise<boolean>;
  /** The results of a job's units of one kind, in `seq` order. */
  unitResults(
    jobId: string,
    kind: string,
  ): Promise<Array<{ seq: number; state: UnitState; result: JsonValue }>>;

  /**
   * Moves a job that is not yet terminal to a terminal status: cancels its open units, deletes its input,
   * appends the last event and queues a `job.ended` unit. Returns the job after the change, or `undefined`
   * when it was already terminal (nothing changed).
   */
  finishJob(jobId: string, finish: FinishJob): Promise<JobRecord | undefined>;
  /** The job's output file without its bytes (for the job object), if it has one. */
  describeOutput(jobId: string): Promise<JobOutputInfo | undefined>;
  /** The job's output file with its bytes, if it has one. */
  getOutput(jobId: string): Promise<JobOutput | undefined>;
  /** Deletes a job with its input, units, events, result and output file. */
  deleteJob(jobId: string): Promise<boolean>;

  appendEvent(jobId: string, event: string, data: JsonValue): Promise<number>;
  /** The job's events after `afterSeq`, in order. */
  eventsAfter(jobId: string, afterSeq: number, limit?: number): Promise<StoredEvent[]>;

  /** Unfinished jobs past `expiresAt` (to be expired by the sweep). */
  jobsPastExpiry(now: number, limit: number): Promise<string[]>;
  /** Deletes finished jobs whose result time is over (with their output files); returns how many. */
  purgeExpiredResults(now: number): Promise<number>;

  /** For metrics: jobs by status, and runnable units by kind. */
  countJobsByStatus(): Promise<Record<string, number>>;
  countPendingUnits(): Promise<Record<string, number>>;

  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
