import type pg from "pg";
import { pendingMigrations } from "../migrations/migration.ts";
import { POSTGRES_MIGRATIONS } from "../migrations/postgres-migrations.ts";
import { transaction } from "./connection.ts";

/** Any fixed number: serialises schema migrations of replicas starting together. */
const MIGRATION_LOCK = 7_391_001;

/** Applies pending migrations in one transaction, under an advisory lock: one replica migrates, the others wait. */
export async function migrate(pool: pg.Pool): Promise<void> {
  await transaction(pool, async (client) => {
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
