import { mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
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
import { write } from "./database.ts";
import * as events from "./events.ts";
import * as status from "./health.ts";
import * as jobs from "./jobs.ts";
import { migrate } from "./migrate.ts";
import * as outputs from "./outputs.ts";
import * as retention from "./retention.ts";
import * as units from "./units.ts";

/**
 * The embedded job store: one SQLite file (`DATA_DIR/jobs.sqlite`, WAL mode) through better-sqlite3. Its calls
 * are synchronous and short; each write is one `BEGIN IMMEDIATE` transaction, so two processes on one machine
 * sharing the file still never claim the same unit. Each concern lives in its own module of this folder; this
 * class owns the connection and hands it to them (its methods stay `async`, so a failure rejects, never throws).
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
    migrate(db);
    return store;
  }

  async createJob(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    return jobs.createJob(this.#db, job);
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    return jobs.getJob(this.#db, id);
  }

  async findByIdempotencyKey(owner: string, key: string): Promise<JobRecord | undefined> {
    return jobs.findByIdempotencyKey(this.#db, owner, key);
  }

  async listJobs(query: ListJobsQuery): Promise<{ jobs: JobRecord[]; hasMore: boolean }> {
    return jobs.listJobs(this.#db, query);
  }

  async getInput(jobId: string): Promise<Buffer | undefined> {
    return jobs.getInput(this.#db, jobId);
  }

  async deleteJob(jobId: string): Promise<boolean> {
    return jobs.deleteJob(this.#db, jobId);
  }

  async claimUnits(request: ClaimRequest): Promise<WorkUnit[]> {
    return units.claimUnits(this.#db, request);
  }

  async renewLeases(
    workerId: string,
    unitIds: readonly string[],
    leaseMs: number,
    now: number,
  ): Promise<string[]> {
    return units.renewLeases(this.#db, workerId, unitIds, leaseMs, now);
  }

  async settleUnit(workerId: string, unit: WorkUnit, outcome: UnitOutcome): Promise<boolean> {
    return units.settleUnit(this.#db, workerId, unit, outcome);
  }

  async unitResults(
    jobId: string,
    kind: string,
  ): Promise<Array<{ seq: number; state: UnitState; result: JsonValue }>> {
    return units.unitResults(this.#db, jobId, kind);
  }

  async finishJob(jobId: string, finish: FinishJob): Promise<JobRecord | undefined> {
    return outputs.finishJob(this.#db, jobId, finish);
  }

  async describeOutput(jobId: string): Promise<JobOutputInfo | undefined> {
    return outputs.describeOutput(this.#db, jobId);
  }

  async getOutput(jobId: string): Promise<JobOutput | undefined> {
    return outputs.getOutput(this.#db, jobId);
  }

  async appendEvent(jobId: string, event: string, data: JsonValue): Promise<number> {
    return write(this.#db, () => events.appendEvent(this.#db, jobId, event, data));
  }

  async eventsAfter(jobId: string, afterSeq: number, limit = 1000): Promise<StoredEvent[]> {
    return events.eventsAfter(this.#db, jobId, afterSeq, limit);
  }

  async jobsPastExpiry(now: number, limit: number): Promise<string[]> {
    return retention.jobsPastExpiry(this.#db, now, limit);
  }

  async purgeExpiredResults(now: number): Promise<number> {
    return retention.purgeExpiredResults(this.#db, now);
  }

  async countJobsByStatus(): Promise<Record<string, number>> {
    return status.countJobsByStatus(this.#db);
  }

  async countPendingUnits(): Promise<Record<string, number>> {
    return status.countPendingUnits(this.#db);
  }

  async health(): Promise<StoreHealth> {
    return status.health(this.#db);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
