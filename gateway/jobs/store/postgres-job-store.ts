import pg from "pg";
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
import { POSTGRES_MIGRATIONS } from "./migrations/postgres-migrations.ts";
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
import { isConnectionFailure, jobStoreUnavailable } from "./store-unavailable.ts";

type Queryable = Pick<pg.PoolClient, "query">;

const json = (value: unknown): JsonValue | null => value ?? null;
const text = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);
/** Any fixed number: serialises schema migrations of replicas starting together. */
const MIGRATION_LOCK = 7_391_001;

export interface PostgresJobStoreOptions {
  connectionString: string;
  /** Connections in the pool. */
  maxConnections?: number;
  /** Called when an idle connection breaks (the database restarted): logged, never thrown. */
  onIdleError?: (error: Error) => void;
}

/**
 * The production job store: PostgreSQL through a `pg` pool. Units are claimed with `FOR UPDATE SKIP LOCKED`, so
 * replicas sharing the database never lease the same unit; a lease that is not renewed expires and the unit is
 * claimed again. Failures to reach the database become 503 `job_store_unavailable`; the pool reconnects by
 * itself once the database is back.
 */
export class PostgresJobStore implements JobStore {
  readonly backend = "postgres" as const;
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects and applies pending migrations (under an advisory lock: one replica migrates, the others wait). */
  static async open(options: PostgresJobStoreOptions): Promise<PostgresJobStore> {
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // Without a listener, an idle client's error (database restarted) would crash the process.
    pool.on("error", (error) => options.onIdleError?.(error));
    const store = new PostgresJobStore(pool);
    try {
      await store.#migrate();
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  async #migrate(): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)",
      );
      const applied = new Set(
        (await client.query("SELECT version FROM schema_migrations")).rows.map((row) => Number(row.version)),
      );
      for (const migration of pendingMigrations(POSTGRES_MIGRATIONS, applied)) {
        for (const statement of migration.statements) await client.query(statement);
        await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          Date.now(),
        ]);
      }
    });
  }

  async #query(sql: string, values: unknown[] = []): Promise<Row[]> {
    try {
      return (await this.#pool.query(sql, values)).rows;
    } catch (error) {
      throw isConnectionFailure(error) ? jobStoreUnavailable(error) : error;
    }
  }

  async #transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw isConnectionFailure(error) ? jobStoreUnavailable(error) : error;
    }
    let broken = false;
    // A checked-out client whose connection drops emits 'error'; unheard, that would crash the process.
    const onError = () => {
      broken = true;
    };
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      broken = isConnectionFailure(error);
      if (!broken) await client.query("ROLLBACK").catch(() => undefined);
      throw broken ? jobStoreUnavailable(error) : error;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }

  async #insertUnit(
    client: Queryable,
    unit: { id: string; jobId: string | null; kind: string; seq: number; owner: string; payload: JsonValue },
    queuedAt: number,
    availableAt: number,
  ): Promise<void> {
    await client.query(
      `INSERT INTO job_units (id, job_id, kind, seq, owner, payload, state, queued_at, available_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) ON CONFLICT (id) DO NOTHING`,
      [
        unit.id,
        unit.jobId,
        unit.kind,
        unit.seq,
        unit.owner,
        text(unit.payload) ?? "null",
        queuedAt,
        availableAt,
      ],
    );
  }

  async #appendEvent(client: Queryable, jobId: string, event: string, data: JsonValue): Promise<number> {
    const { rows } = await client.query(
      "UPDATE jobs SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq",
      [jobId],
    );
    if (rows.length === 0) return 0;
    const seq = Number(rows[0].event_seq);
    await client.query("INSERT INTO job_events (job_id, seq, event, data) VALUES ($1, $2, $3, $4)", [
      jobId,
      seq,
      event,
      text(data) ?? "null",
    ]);
    return seq;
  }

  /** The finalize unit sorts first (`queued_at` 0) and is runnable at once. */
  async #queueFinalize(client: Queryable, jobId: string, kind: string, owner: string): Promise<void> {
    const unit = { id: unitId(jobId, kind, 0), jobId, kind, seq: 0, owner, payload: null };
    await this.#insertUnit(client, unit, 0, 0);
  }

  async createJob(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    try {
      return await this.#transaction(async (client) => {
        const inserted = await client.query(
          `INSERT INTO jobs (id, type, owner, status, idempotency_key, request_hash, params, metadata, webhook_url,
             finalize_kind, units_total, created_at, expires_at)
           VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
           RETURNING *`,
          [
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
          ],
        );
        if (inserted.rows.length === 0) {
          const existing = await client.query(
            "SELECT * FROM jobs WHERE owner = $1 AND idempotency_key = $2",
            [job.owner, job.idempotencyKey],
          );
          return { job: toJobRecord(existing.rows[0], json), created: false };
        }
        if (job.input) {
          await client.query("INSERT INTO job_inputs (job_id, data) VALUES ($1, $2)", [job.id, job.input]);
        }
        for (const unit of job.units) {
          await this.#insertUnit(
            client,
            {
              id: unitId(job.id, unit.kind, unit.seq),
              jobId: job.id,
              kind: unit.kind,
              seq: unit.seq,
              owner: job.owner,
              payload: unit.payload,
            },
            job.createdAt,
            job.createdAt,
          );
        }
        if (job.units.length === 0) await this.#queueFinalize(client, job.id, job.finalizeKind, job.owner);
        return { job: toJobRecord(inserted.rows[0], json), created: true };
      });
    } catch (error) {
      // Two requests with one new key raced: the loser's insert waited for the winner, then did nothing.
      if ((error as { code?: string }).code === "23505" && job.idempotencyKey != null) {
        const existing = await this.findByIdempotencyKey(job.owner, job.idempotencyKey);
        if (existing) return { job: existing, created: false };
      }
      throw error;
    }
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const rows = await this.#query("SELECT * FROM jobs WHERE id = $1", [id]);
    return rows[0] ? toJobRecord(rows[0], json) : undefined;
  }

  async findByIdempotencyKey(owner: string, key: string): Promise<JobRecord | undefined> {
    const rows = await this.#query("SELECT * FROM jobs WHERE owner = $1 AND idempotency_key = $2", [
      owner,
      key,
    ]);
    return rows[0] ? toJobRecord(rows[0], json) : undefined;
  }

  async listJobs(query: ListJobsQuery): Promise<{ jobs: JobRecord[]; hasMore: boolean }> {
    let rows: Row[];
    if (query.after !== undefined) {
      const cursor = await this.#query("SELECT created_at, id FROM jobs WHERE id = $1 AND owner = $2", [
        query.after,
        query.owner,
      ]);
      if (!cursor[0]) return { jobs: [], hasMore: false };
      rows = await this.#query(
        `SELECT * FROM jobs WHERE owner = $1 AND type = $2 AND (created_at, id) < ($3, $4)
         ORDER BY created_at DESC, id DESC LIMIT $5`,
        [query.owner, query.type, cursor[0].created_at, cursor[0].id, query.limit + 1],
      );
    } else {
      rows = await this.#query(
        "SELECT * FROM jobs WHERE owner = $1 AND type = $2 ORDER BY created_at DESC, id DESC LIMIT $3",
        [query.owner, query.type, query.limit + 1],
      );
    }
    return {
      jobs: rows.slice(0, query.limit).map((row) => toJobRecord(row, json)),
      hasMore: rows.length > query.limit,
    };
  }

  async getInput(jobId: string): Promise<Buffer | undefined> {
    const rows = await this.#query("SELECT data FROM job_inputs WHERE job_id = $1", [jobId]);
    return rows[0] ? (rows[0].data as Buffer) : undefined;
  }

  async claimUnits(request: ClaimRequest): Promise<WorkUnit[]> {
    if (request.kinds.length === 0 || request.limit <= 0) return [];
    return this.#transaction(async (client) => {
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
    const rows = await this.#query(
      `UPDATE job_units SET lease_expires_at = $1 WHERE id = ANY($2) AND lease_owner = $3 AND state = 'leased'
       RETURNING id`,
      [now + leaseMs, [...unitIds], workerId],
    );
    const held = new Set(rows.map((row) => String(row.id)));
    return unitIds.filter((id) => !held.has(id));
  }

  async settleUnit(workerId: string, unit: WorkUnit, outcome: UnitOutcome): Promise<boolean> {
    return this.#transaction(async (client) => {
      if (outcome.kind === "retry") {
        const retried = await client.query(
          `UPDATE job_units SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, available_at = $1, error = $2
           WHERE id = $3 AND lease_owner = $4 AND state = 'leased'`,
          [outcome.availableAt, text(outcome.error), unit.id, workerId],
        );
        return (retried.rowCount ?? 0) > 0;
      }
      const state: UnitState = outcome.kind;
      const settled = await client.query(
        `UPDATE job_units SET state = $1, result = $2, error = $3, lease_owner = NULL, lease_expires_at = NULL
         WHERE id = $4 AND lease_owner = $5 AND state = 'leased'`,
        [
          state,
          text(outcome.result ?? null),
          outcome.kind === "failed" ? text(outcome.error) : null,
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
      if (outcome.event) await this.#appendEvent(client, unit.jobId, outcome.event.event, outcome.event.data);
      const job = toJobRecord(rows[0], json);
      if (job.unitsDone + job.unitsFailed >= job.unitsTotal && !TERMINAL_STATUSES.has(job.status)) {
        await this.#queueFinalize(client, job.id, String(rows[0].finalize_kind), job.owner);
      }
      return true;
    });
  }

  async unitResults(
    jobId: string,
    kind: string,
  ): Promise<Array<{ seq: number; state: UnitState; result: JsonValue }>> {
    const rows = await this.#query(
      "SELECT seq, state, result FROM job_units WHERE job_id = $1 AND kind = $2 ORDER BY seq",
      [jobId, kind],
    );
    return rows.map((row) => ({
      seq: Number(row.seq),
      state: row.state as UnitState,
      result: json(row.result),
    }));
  }

  async finishJob(jobId: string, finish: FinishJob): Promise<JobRecord | undefined> {
    return this.#transaction(async (client) => {
      const { rows } = await client.query(
        `UPDATE jobs SET status = $1, result = $2, error = $3, ended_at = $4, result_expires_at = $5
         WHERE id = $6 AND status IN ('queued', 'in_progress') RETURNING *`,
        [
          finish.status,
          text(finish.result ?? null),
          text(finish.error ?? null),
          finish.now,
          finish.now + finish.resultTtlMs,
          jobId,
        ],
      );
      if (!rows[0]) return undefined;
      if (finish.output) {
        const { format, contentType, filename, data } = finish.output;
        await client.query(
          `INSERT INTO job_outputs (job_id, ${OUTPUT_INFO_COLUMNS}, data) VALUES ($1, $2, $3, $4, $5, $6)`,
          [jobId, format, contentType, filename, data.length, Buffer.from(data)],
        );
      }
      if (finish.event) await this.#appendEvent(client, jobId, finish.event.event, finish.event.data);
      await client.query(
        "UPDATE job_units SET state = 'cancelled', lease_owner = NULL WHERE job_id = $1 AND state IN ('pending', 'leased')",
        [jobId],
      );
      await client.query("DELETE FROM job_inputs WHERE job_id = $1", [jobId]);
      const job = toJobRecord(rows[0], json);
      await this.#insertUnit(
        client,
        {
          id: unitId(jobId, JOB_ENDED_KIND, 0),
          jobId: null,
          kind: JOB_ENDED_KIND,
          seq: 0,
          owner: job.owner,
          payload: endedJob(job),
        },
        finish.now,
        finish.now,
      );
      return job;
    });
  }

  async describeOutput(jobId: string): Promise<JobOutputInfo | undefined> {
    const rows = await this.#query(`SELECT ${OUTPUT_INFO_COLUMNS} FROM job_outputs WHERE job_id = $1`, [
      jobId,
    ]);
    return rows[0] ? toJobOutputInfo(rows[0]) : undefined;
  }

  async getOutput(jobId: string): Promise<JobOutput | undefined> {
    const rows = await this.#query(`SELECT ${OUTPUT_INFO_COLUMNS}, data FROM job_outputs WHERE job_id = $1`, [
      jobId,
    ]);
    return rows[0] ? toJobOutput(rows[0]) : undefined;
  }

  async deleteJob(jobId: string): Promise<boolean> {
    return (await this.#query("DELETE FROM jobs WHERE id = $1 RETURNING id", [jobId])).length > 0;
  }

  async appendEvent(jobId: string, event: string, data: JsonValue): Promise<number> {
    return this.#transaction((client) => this.#appendEvent(client, jobId, event, data));
  }

  async eventsAfter(jobId: string, afterSeq: number, limit = 1000): Promise<StoredEvent[]> {
    const rows = await this.#query(
      "SELECT seq, event, data FROM job_events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
      [jobId, afterSeq, limit],
    );
    return rows.map((row) => ({ seq: Number(row.seq), event: String(row.event), data: json(row.data) }));
  }

  async jobsPastExpiry(now: number, limit: number): Promise<string[]> {
    const rows = await this.#query(
      "SELECT id FROM jobs WHERE status IN ('queued', 'in_progress') AND expires_at <= $1 LIMIT $2",
      [now, limit],
    );
    return rows.map((row) => String(row.id));
  }

  async purgeExpiredResults(now: number): Promise<number> {
    await this.#query(
      "DELETE FROM job_units WHERE job_id IS NULL AND state IN ('done', 'failed', 'cancelled')",
    );
    return (await this.#query("DELETE FROM jobs WHERE result_expires_at <= $1 RETURNING id", [now])).length;
  }

  async countJobsByStatus(): Promise<Record<string, number>> {
    const rows = await this.#query("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status");
    return Object.fromEntries(rows.map((row) => [String(row.status), Number(row.n)]));
  }

  async countPendingUnits(): Promise<Record<string, number>> {
    const rows = await this.#query(
      "SELECT kind, COUNT(*) AS n FROM job_units WHERE state IN ('pending', 'leased') GROUP BY kind",
    );
    return Object.fromEntries(rows.map((row) => [String(row.kind), Number(row.n)]));
  }

  async health(): Promise<StoreHealth> {
    try {
      await this.#query("SELECT 1");
      return { ok: true, backend: "postgres" };
    } catch (error) {
      return { ok: false, backend: "postgres", error: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
