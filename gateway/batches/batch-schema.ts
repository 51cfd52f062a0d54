import type { SqlClient } from "./sql-client.ts";

/** The tables of files, batches, batch lines and webhook deliveries; version 1. */
function statements(dialect: SqlClient["dialect"]): string[] {
  const blob = dialect === "postgres" ? "BYTEA" : "BLOB";
  return [
    `CREATE TABLE IF NOT EXISTS gateway_files (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      purpose TEXT NOT NULL,
      filename TEXT NOT NULL,
      sample_type TEXT NOT NULL,
      bytes BIGINT NOT NULL,
      num_lines BIGINT,
      created_at BIGINT NOT NULL,
      expires_at BIGINT,
      content ${blob} NOT NULL
    )`,
    "CREATE INDEX IF NOT EXISTS gateway_files_owner ON gateway_files (owner, created_at, id)",
    `CREATE TABLE IF NOT EXISTS gateway_batches (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      status TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      record TEXT NOT NULL
    )`,
    "CREATE INDEX IF NOT EXISTS gateway_batches_owner ON gateway_batches (owner, created_at, id)",
    "CREATE INDEX IF NOT EXISTS gateway_batches_status ON gateway_batches (status)",
    `CREATE TABLE IF NOT EXISTS gateway_batch_lines (
      batch_id TEXT NOT NULL,
      line_index BIGINT NOT NULL,
      custom_id TEXT NOT NULL,
      body TEXT,
      state TEXT NOT NULL,
      lease_owner TEXT,
      lease_until BIGINT,
      attempts BIGINT NOT NULL DEFAULT 0,
      outcome TEXT,
      input_tokens BIGINT NOT NULL DEFAULT 0,
      output_tokens BIGINT NOT NULL DEFAULT 0,
      result TEXT,
      PRIMARY KEY (batch_id, line_index)
    )`,
    "CREATE INDEX IF NOT EXISTS gateway_batch_lines_state ON gateway_batch_lines (state, lease_until)",
    `CREATE TABLE IF NOT EXISTS gateway_webhook_deliveries (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      subject_id TEXT NOT NULL,
      type TEXT NOT NULL,
      url TEXT NOT NULL,
      payload TEXT NOT NULL,
      status TEXT NOT NULL,
      attempts TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      next_attempt_at BIGINT,
      lease_until BIGINT
    )`,
    "CREATE INDEX IF NOT EXISTS gateway_webhook_deliveries_due ON gateway_webhook_deliveries (status, next_attempt_at)",
    "CREATE INDEX IF NOT EXISTS gateway_webhook_deliveries_subject ON gateway_webhook_deliveries (subject_id)",
  ];
}

/**
 * Creates the tables when missing. Every statement is idempotent and the whole runs in one transaction (on
 * PostgreSQL under an advisory lock), so replicas starting together do not race.
 */
export async function migrateBatchSchema(db: SqlClient): Promise<void> {
  await db.transaction(async (tx) => {
    if (tx.dialect === "postgres") await tx.all("SELECT pg_advisory_xact_lock(7412001)");
    for (const sql of statements(tx.dialect)) await tx.run(sql);
  });
}
