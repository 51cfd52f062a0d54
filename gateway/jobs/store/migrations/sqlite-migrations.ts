import type { Migration } from "./migration.ts";

/** The job store's schema in SQLite (JSON as text, bytes as BLOB), kept in step with the PostgreSQL one. */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "jobs, units, events, inputs",
    statements: [
      `CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL,
        owner TEXT NOT NULL,
        status TEXT NOT NULL,
        idempotency_key TEXT,
        request_hash TEXT,
        params TEXT NOT NULL,
        metadata TEXT,
        webhook_url TEXT,
        finalize_kind TEXT NOT NULL,
        units_total INTEGER NOT NULL,
        units_done INTEGER NOT NULL DEFAULT 0,
        units_failed INTEGER NOT NULL DEFAULT 0,
        event_seq INTEGER NOT NULL DEFAULT 0,
        result TEXT,
        error TEXT,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        expires_at INTEGER NOT NULL,
        result_expires_at INTEGER
      )`,
      `CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner, idempotency_key) WHERE idempotency_key IS NOT NULL`,
      `CREATE INDEX jobs_listing ON jobs (owner, type, created_at DESC, id DESC)`,
      `CREATE INDEX jobs_open_expiry ON jobs (expires_at) WHERE status IN ('queued', 'in_progress')`,
      `CREATE INDEX jobs_result_expiry ON jobs (result_expires_at) WHERE result_expires_at IS NOT NULL`,
      `CREATE TABLE job_inputs (
        job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
        data BLOB NOT NULL
      )`,
      `CREATE TABLE job_units (
        id TEXT PRIMARY KEY,
        job_id TEXT REFERENCES jobs (id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        seq INTEGER NOT NULL,
        owner TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        queued_at INTEGER NOT NULL,
        available_at INTEGER NOT NULL,
        result TEXT,
        error TEXT
      )`,
      `CREATE INDEX job_units_runnable ON job_units (queued_at, job_id, seq) WHERE state IN ('pending', 'leased')`,
      `CREATE INDEX job_units_of_job ON job_units (job_id, kind, seq)`,
      `CREATE TABLE job_events (
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        event TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (job_id, seq)
      )`,
    ],
  },
  {
    version: 2,
    name: "job outputs (archive files rendered when a job ends)",
    statements: [
      `CREATE TABLE job_outputs (
        job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
        format TEXT NOT NULL,
        content_type TEXT NOT NULL,
        filename TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        data BLOB NOT NULL
      )`,
    ],
  },
];
