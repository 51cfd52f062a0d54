import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import {
  type ClaimRequest,
  type FinishJob,
  JOB_ENDED_KIND,
  type JobOutput,
  type JobOutputInfo,
  type JobRecord,
  type JobStore,
  type JsonValue,
  type ListJobsQuery,
  type NewJob,
  type StoredEvent,
  type StoreHealth,
  TERMINAL_STATUSES,
  type UnitOutcome,
  type UnitState,
  type WorkUnit,
} from "./job-store.ts";
import { pendingMigrations } from "./migrations/migration.ts";
import { SQLITE_MIGRATIONS } from "./migrations/sqlite-migrations.ts";
import {
  endedJob,
  OUTPUT_INFO_COLUMNS,
  type Row,
  toJobOutput,
  toJobOutputInfo,
  toJobRecord,
  toWorkUnit,
  unitId,
} from "./row-mapping.ts";

const json = (value: unknown): JsonValue | null => (value == null ? null : JSON.parse(String(value)));
const text = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);

/**
 * The embedded job store: one SQLite file (`DATA_DIR/jobs.sqlite`, WAL mode) through better-sqlite3. Its calls
 * are synchronous and short; each write is one `BEGIN IMMEDIATE` transaction, so two processes on one machine
 * sharing the file still never claim the same unit.
 */
export class SqliteJobStore implements JobStore {
  readonly backend = "sqlite" as const;
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (creating if needed) `jobs.sqlite` in `dataDir` and applies pending migrations. */
  static open(dataDir: string): SqliteJobStore {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, "jobs.sqlite"));
    db.pragma("journal_mode = WAL");
    db.pragma("busy_timeout = 5000");
    db.pragma("foreign_keys = ON");
    db.pragma("synchronous = NORMAL");
    const store = new SqliteJobStore(db);
    store.#migrate();
    return store;
  }

  #migrate(): void {
    this.#db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    this.#write(() => {
      const applied = new Set(
        (this.#db.prepare("SELECT version FROM schema_migrations").all() as Row[]).map((row) =>
          Number(row.version),
        ),
      );
      for (const migration of pendingMigrations(SQLITE_MIGRATIONS, applied)) {
        for (const statement of migration.statements) this.#db.exec(statement);
        this.#db
          .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
          .run(migration.version, migration.name, Date.now());
      }
    });
  }

  #write<T>(work: () => T): T {
    return this.#db.transaction(work).immediate();
  }

  #job(id: string): JobRecord | undefined {
    const row = this.#db.prepare("SELECT * FROM jobs WHERE id = ?").get(id) as Row | undefined;
    return row ? toJobRecord(row, json) : undefined;
  }

  #insertUnit(unit: {
    id: string;
    jobId: string | null;
    kind: string;
    seq: number;
    owner: string;
    payload: JsonValue;
    queuedAt: number;
    availableAt: number;
  }): void {
    this.#db
      .prepare(
        `INSERT INTO job_units (id, job_id, kind, seq, owner, payload, state, queued_at, available_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (id) DO NOTHING`,
      )
      .run(
        unit.id,
        unit.jobId,
        unit.kind,
        unit.seq,
        unit.owner,
        text(unit.payload) ?? "null",
        unit.queuedAt,
        unit.availableAt,
      );
  }

  #appendEvent(jobId: string, event: string, data: JsonValue): number {
    const row = this.#db
      .prepare("UPDATE jobs SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq")
      .get(jobId) as Row | undefined;
    if (!row) return 0;
    const seq = Number(row.event_seq);
    this.#db
      .prepare("INSERT INTO job_events (job_id, seq, event, data) VALUES (?, ?, ?, ?)")
      .run(jobId, seq, event, text(data) ?? "null");
    return seq;
  }

  async createJob(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    return this.#write(() => {
      if (job.idempotencyKey != null) {
        const existing = this.#findByKey(job.owner, job.idempotencyKey);
        if (existing) return { job: existing, created: false };
      }
      this.#db
        .prepare(
          `INSERT INTO jobs (id, type, owner, status, idempotency_key, request_hash, params, metadata, webhook_url,
             finalize_kind, units_total, created_at, expires_at)
           VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          job.id,
          job.type,
          job.owner,
          job.idempotencyKey ?? null,
          job.requestHash ?? null,
          text(job.params) ?? "null",
          text(job.metadata ?? null),
          job.webhookUrl ?? null,
          job.finalizeKind,
          job.units.length,
          job.createdAt,
          job.expiresAt,
        );
      if (job.input)
        this.#db.prepare("INSERT INTO job_inputs (job_id, data) VALUES (?, ?)").run(job.id, job.input);
      for (const unit of job.units) {
        this.#insertUnit({
          id: unitId(job.id, unit.kind, unit.seq),
          jobId: job.id,
          kind: unit.kind,
          seq: unit.seq,
          owner: job.owner,
          payload: unit.payload,
          queuedAt: job.createdAt,
          availableAt: job.createdAt,
        });
      }
      if (job.units.length === 0) this.#queueFinalize(job.id, job.finalizeKind, job.owner);
      return { job: this.#job(job.id) as JobRecord, created: true };
    });
  }

  #queueFinalize(jobId: string, kind: string, owner: string): void {
    this.#insertUnit({
      id: unitId(jobId, kind, 0),
      jobId,
      kind,
      seq: 0,
      owner,
      payload: null,
      queuedAt: 0,
      availableAt: 0,
    });
  }

  #findByKey(owner: string, key: string): JobRecord | undefined {
    const row = this.#db
      .prepare("SELECT * FROM jobs WHERE owner = ? AND idempotency_key = ?")
      .get(owner, key) as Row | undefined;
    return row ? toJobRecord(row, json) : undefined;
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    return this.#job(id);
  }

  async findByIdempotencyKey(owner: string, key: string): Promise<JobRecord | undefined> {
    return this.#findByKey(owner, key);
  }

  async listJobs(query: ListJobsQuery): Promise<{ jobs: JobRecord[]; hasMore: boolean }> {
    const cursor =
      query.after === undefined
        ? undefined
        : (this.#db
            .prepare("SELECT created_at, id FROM jobs WHERE id = ? AND owner = ?")
            .get(query.after, query.owner) as Row | undefined);
    if (query.after !== undefined && !cursor) return { jobs: [], hasMore: false };
    const rows = (
      cursor
        ? this.#db
            .prepare(
              `SELECT * FROM jobs WHERE owner = ? AND type = ? AND (created_at < ? OR (created_at = ? AND id < ?))
               ORDER BY created_at DESC, id DESC LIMIT ?`,
            )
            .all(query.owner, query.type, cursor.created_at, cursor.created_at, cursor.id, query.limit + 1)
        : this.#db
            .prepare(
              "SELECT * FROM jobs WHERE owner = ? AND type = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            )
            .all(query.owner, query.type, query.limit + 1)
    ) as Row[];
    return {
      jobs: rows.slice(0, query.limit).map((row) => toJobRecord(row, json)),
      hasMore: rows.length > query.limit,
    };
  }

  async getInput(jobId: string): Promise<Buffer | undefined> {
    const row = this.#db.prepare("SELECT data FROM job_inputs WHERE job_id = ?").get(jobId) as
      | Row
      | undefined;
    return row ? (row.data as Buffer) : undefined;
  }

  async claimUnits(request: ClaimRequest): Promise<WorkUnit[]> {
    if (request.kinds.length === 0 || request.limit <= 0) return [];
    const kinds = request.kinds.map(() => "?").join(", ");
    return this.#write(() => {
      const rows = this.#db
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
      const start = this.#db.prepare(
        "UPDATE jobs SET status = 'in_progress', started_at = ? WHERE id = ? AND status = 'queued'",
      );
      for (const jobId of new Set(units.map((unit) => unit.jobId))) {
        if (jobId !== null) start.run(request.now, jobId);
      }
      return units.sort((a, b) => (a.jobId ?? "").localeCompare(b.jobId ?? "") || a.seq - b.seq);
    });
  }

  async renewLeases(
    workerId: string,
    unitIds: readonly string[],
    leaseMs: number,
    now: number,
  ): Promise<string[]> {
    if (unitIds.length === 0) return [];
    return this.#write(() => {
      const renew = this.#db.prepare(
        "UPDATE job_units SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND state = 'leased'",
      );
      return unitIds.filter((id) => renew.run(now + leaseMs, id, workerId).changes === 0);
    });
  }

  async settleUnit(workerId: string, unit: WorkUnit, outcome: UnitOutcome): Promise<boolean> {
    return this.#write(() => {
      if (outcome.kind === "retry") {
        return (
          this.#db
            .prepare(
              `UPDATE job_units SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, available_at = ?, error = ?
               WHERE id = ? AND lease_owner = ? AND state = 'leased'`,
            )
            .run(outcome.availableAt, text(outcome.error), unit.id, workerId).changes > 0
        );
      }
      const state: UnitState = outcome.kind;
      const changed = this.#db
        .prepare(
          `UPDATE job_units SET state = ?, result = ?, error = ?, lease_owner = NULL, lease_expires_at = NULL
           WHERE id = ? AND lease_owner = ? AND state = 'leased'`,
        )
        .run(
          state,
          text(outcome.result ?? null),
          outcome.kind === "failed" ? text(outcome.error) : null,
          unit.id,
          workerId,
        ).changes;
      if (changed === 0) return false;
      if (unit.jobId === null) return true;
      const job = this.#db
        .prepare(
          `UPDATE jobs SET units_done = units_done + ?, units_failed = units_failed + ?
           WHERE id = ? AND finalize_kind <> ? RETURNING *`,
        )
        .get(state === "done" ? 1 : 0, state === "failed" ? 1 : 0, unit.jobId, unit.kind) as Row | undefined;
      if (!job) return true;
      if (outcome.event) this.#appendEvent(unit.jobId, outcome.event.event, outcome.event.data);
      const record = toJobRecord(job, json);
      if (
        record.unitsDone + record.unitsFailed >= record.unitsTotal &&
        !TERMINAL_STATUSES.has(record.status)
      ) {
        this.#queueFinalize(record.id, String(job.finalize_kind), record.owner);
      }
      return true;
    });
  }

  async unitResults(
    jobId: string,
    kind: string,
  ): Promise<Array<{ seq: number; state: UnitState; result: JsonValue }>> {
    const rows = this.#db
      .prepare("SELECT seq, state, result FROM job_units WHERE job_id = ? AND kind = ? ORDER BY seq")
      .all(jobId, kind) as Row[];
    return rows.map((row) => ({
      seq: Number(row.seq),
      state: row.state as UnitState,
      result: json(row.result),
    }));
  }

  async finishJob(jobId: string, finish: FinishJob): Promise<JobRecord | undefined> {
    return this.#write(() => {
      const row = this.#db
        .prepare(
          `UPDATE jobs SET status = ?, result = ?, error = ?, ended_at = ?, result_expires_at = ?
           WHERE id = ? AND status IN ('queued', 'in_progress') RETURNING *`,
        )
        .get(
          finish.status,
          text(finish.result ?? null),
          text(finish.error ?? null),
          finish.now,
          finish.now + finish.resultTtlMs,
          jobId,
        ) as Row | undefined;
      if (!row) return undefined;
      if (finish.output) {
        const { format, contentType, filename, data } = finish.output;
        this.#db
          .prepare(`INSERT INTO job_outputs (job_id, ${OUTPUT_INFO_COLUMNS}, data) VALUES (?, ?, ?, ?, ?, ?)`)
          .run(jobId, format, contentType, filename, data.length, Buffer.from(data));
      }
      if (finish.event) this.#appendEvent(jobId, finish.event.event, finish.event.data);
      this.#db
        .prepare(
          "UPDATE job_units SET state = 'cancelled', lease_owner = NULL WHERE job_id = ? AND state IN ('pending', 'leased')",
        )
        .run(jobId);
      this.#db.prepare("DELETE FROM job_inputs WHERE job_id = ?").run(jobId);
      const job = toJobRecord(row, json);
      this.#insertUnit({
        id: unitId(jobId, JOB_ENDED_KIND, 0),
        jobId: null,
        kind: JOB_ENDED_KIND,
        seq: 0,
        owner: job.owner,
        payload: endedJob(job),
        queuedAt: finish.now,
        availableAt: finish.now,
      });
      return job;
    });
  }

  async describeOutput(jobId: string): Promise<JobOutputInfo | undefined> {
    const row = this.#db
      .prepare(`SELECT ${OUTPUT_INFO_COLUMNS} FROM job_outputs WHERE job_id = ?`)
      .get(jobId) as Row | undefined;
    return row ? toJobOutputInfo(row) : undefined;
  }

  async getOutput(jobId: string): Promise<JobOutput | undefined> {
    const row = this.#db
      .prepare(`SELECT ${OUTPUT_INFO_COLUMNS}, data FROM job_outputs WHERE job_id = ?`)
      .get(jobId) as Row | undefined;
    return row ? toJobOutput(row) : undefined;
  }

  async deleteJob(jobId: string): Promise<boolean> {
    return this.#write(() => this.#db.prepare("DELETE FROM jobs WHERE id = ?").run(jobId).changes > 0);
  }

  async appendEvent(jobId: string, event: string, data: JsonValue): Promise<number> {
    return this.#write(() => this.#appendEvent(jobId, event, data));
  }

  async eventsAfter(jobId: string, afterSeq: number, limit = 1000): Promise<StoredEvent[]> {
    const rows = this.#db
      .prepare("SELECT seq, event, data FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?")
      .all(jobId, afterSeq, limit) as Row[];
    return rows.map((row) => ({ seq: Number(row.seq), event: String(row.event), data: json(row.data) }));
  }

  async jobsPastExpiry(now: number, limit: number): Promise<string[]> {
    const rows = this.#db
      .prepare("SELECT id FROM jobs WHERE status IN ('queued', 'in_progress') AND expires_at <= ? LIMIT ?")
      .all(now, limit) as Row[];
    return rows.map((row) => String(row.id));
  }

  async purgeExpiredResults(now: number): Promise<number> {
    return this.#write(() => {
      this.#db
        .prepare("DELETE FROM job_units WHERE job_id IS NULL AND state IN ('done', 'failed', 'cancelled')")
        .run();
      return this.#db.prepare("DELETE FROM jobs WHERE result_expires_at <= ?").run(now).changes;
    });
  }

  async countJobsByStatus(): Promise<Record<string, number>> {
    const rows = this.#db.prepare("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status").all() as Row[];
    return Object.fromEntries(rows.map((row) => [String(row.status), Number(row.n)]));
  }

  async countPendingUnits(): Promise<Record<string, number>> {
    const rows = this.#db
      .prepare("SELECT kind, COUNT(*) AS n FROM job_units WHERE state IN ('pending', 'leased') GROUP BY kind")
      .all() as Row[];
    return Object.fromEntries(rows.map((row) => [String(row.kind), Number(row.n)]));
  }

  async health(): Promise<StoreHealth> {
    try {
      this.#db.prepare("SELECT 1").get();
      return { ok: true, backend: "sqlite" };
    } catch (error) {
      return { ok: false, backend: "sqlite", error: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
