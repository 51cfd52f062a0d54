import type { Migration } from "./migration.ts";

/** The job store's schema in PostgreSQL, one entry per version; never edit a released entry, add one. */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "jobs, units, events, inputs",
    statements: [
      `CREATE TABLE jobs (
        id text PRIMARY KEY,
        type text NOT NULL,
        owner text NOT NULL,
        status text NOT NULL,
        idempotency_key text,
        request_hash text,
        params jsonb NOT NULL,
        metadata jsonb,
        webhook_url text,
        finalize_kind text NOT NULL,
        units_total integer NOT NULL,
        units_done integer NOT NULL DEFAULT 0,
        units_failed integer NOT NULL DEFAULT 0,
        event_seq integer NOT NULL DEFAULT 0,
        result jsonb,
        error jsonb,
        created_at bigint NOT NULL,
        started_at bigint,
        ended_at bigint,
        expires_at bigint NOT NULL,
        result_expires_at bigint
      )`,
      `CREATE UNIQUE INDEX jobs_idempotency ON jobs (owner, idempotency_key) WHERE idempotency_key IS NOT NULL`,
      `CREATE INDEX jobs_listing ON jobs (owner, type, created_at DESC, id DESC)`,
      `CREATE INDEX jobs_open_expiry ON jobs (expires_at) WHERE status IN ('queued', 'in_progress')`,
      `CREATE INDEX jobs_result_expiry ON jobs (result_expires_at) WHERE result_expires_at IS NOT NULL`,
      `CREATE TABLE job_inputs (
        job_id text PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
        data bytea NOT NULL
      )`,
      `CREATE TABLE job_units (
        id text PRIMARY KEY,
        job_id text REFERENCES jobs (id) ON DELETE CASCADE,
        kind text NOT NULL,
        seq integer NOT NULL,
        owner text NOT NULL,
        payload jsonb NOT NULL,
        state text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        lease_owner text,
        lease_expires_at bigint,
        queued_at bigint NOT NULL,
        available_at bigint NOT NULL,
        result jsonb,
        error jsonb
      )`,
      `CREATE INDEX job_units_runnable ON job_units (queued_at, job_id, seq) WHERE state IN ('pending', 'leased')`,
      `CREATE INDEX job_units_of_job ON job_units (job_id, kind, seq)`,
      `CREATE TABLE job_events (
        job_id text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        event text NOT NULL,
        data jsonb NOT NULL,
        PRIMARY KEY (job_id, seq)
      )`,
    ],
  },
  {
    version: 2,
    name: "job outputs (archive files rendered when a job ends)",
    statements: [
      `CREATE TABLE job_outputs (
        job_id text PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
        format text NOT NULL,
        content_type text NOT NULL,
        filename text NOT NULL,
        bytes integer NOT NULL,
        data bytea NOT NULL
      )`,
    ],
  },
];
