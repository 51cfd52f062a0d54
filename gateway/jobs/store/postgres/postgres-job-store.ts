import pg from "pg";
import type {
  ClaimRequest,
  FinishJob,
  JobOutput,
  JobOutputInfo,
  JobRecord,
  JobStore,
  JsonValue,
  ListJobsQuery,
  NewJob,
  StoredEvent,
  StoreHealth,
  UnitOutcome,
  UnitState,
  WorkUnit,
} from "../job-store.ts";
import { transaction } from "./connection.ts";
import * as events from "./events.ts";
import * as status from "./health.ts";
import * as jobs from "./jobs.ts";
import { migrate } from "./migrate.ts";
import * as outputs from "./outputs.ts";
import * as retention from "./retention.ts";
import * as units from "./units.ts";

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
 * itself once the database is back. Each concern lives in its own module of this folder; this class owns the
 * pool and hands it to them.
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
      await migrate(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return store;
  }

  createJob(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    return jobs.createJob(this.#pool, job);
  }

  getJob(id: string): Promise<JobRecord | undefined> {
    return jobs.getJob(this.#pool, id);
  }

  findByIdempotencyKey(owner: string, key: string): Promise<JobRecord | undefined> {
    return jobs.findByIdempotencyKey(this.#pool, owner, key);
  }

  listJobs(query: ListJobsQuery): Promise<{ jobs: JobRecord[]; hasMore: boolean }> {
    return jobs.listJobs(this.#pool, query);
  }

  getInput(jobId: string): Promise<Buffer | undefined> {
    return jobs.getInput(this.#pool, jobId);
  }

  deleteJob(jobId: string): Promise<boolean> {
    return jobs.deleteJob(this.#pool, jobId);
  }

  claimUnits(request: ClaimRequest): Promise<WorkUnit[]> {
    return units.claimUnits(this.#pool, request);
  }

  renewLeases(workerId: string, unitIds: readonly string[], leaseMs: number, now: number): Promise<string[]> {
    return units.renewLeases(this.#pool, workerId, unitIds, leaseMs, now);
  }

  settleUnit(workerId: string, unit: WorkUnit, outcome: UnitOutcome): Promise<boolean> {
    return units.settleUnit(this.#pool, workerId, unit, outcome);
  }

  unitResults(
    jobId: string,
    kind: string,
  ): Promise<Array<{ seq: number; state: UnitState; result: JsonValue }>> {
    return units.unitResults(this.#pool, jobId, kind);
  }

  finishJob(jobId: string, finish: FinishJob): Promise<JobRecord | undefined> {
    return outputs.finishJob(this.#pool, jobId, finish);
  }

  describeOutput(jobId: string): Promise<JobOutputInfo | undefined> {
    return outputs.describeOutput(this.#pool, jobId);
  }

  getOutput(jobId: string): Promise<JobOutput | undefined> {
    return outputs.getOutput(this.#pool, jobId);
  }

  appendEvent(jobId: string, event: string, data: JsonValue): Promise<number> {
    return transaction(this.#pool, (client) => events.appendEvent(client, jobId, event, data));
  }

  eventsAfter(jobId: string, afterSeq: number, limit = 1000): Promise<StoredEvent[]> {
    return events.eventsAfter(this.#pool, jobId, afterSeq, limit);
  }

  jobsPastExpiry(now: number, limit: number): Promise<string[]> {
    return retention.jobsPastExpiry(this.#pool, now, limit);
  }

  purgeExpiredResults(now: number): Promise<number> {
    return retention.purgeExpiredResults(this.#pool, now);
  }

  countJobsByStatus(): Promise<Record<string, number>> {
    return status.countJobsByStatus(this.#pool);
  }

  countPendingUnits(): Promise<Record<string, number>> {
    return status.countPendingUnits(this.#pool);
  }

  health(): Promise<StoreHealth> {
    return status.health(this.#pool);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
