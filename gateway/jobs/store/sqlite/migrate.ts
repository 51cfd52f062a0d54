import type Database from "better-sqlite3";
import { pendingMigrations } from "../migrations/migration.ts";
import { SQLITE_MIGRATIONS } from "../migrations/sqlite-migrations.ts";
import type { Row } from "../row-mapping.ts";
import { write } from "./database.ts";

/** Applies pending migrations in one write transaction. */
export function migrate(db: Database.Database): void {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
  );
  write(db, () => {
    const applied = new Set(
      (db.prepare("SELECT version FROM schema_migrations").all() as Row[]).map((row) => Number(row.version)),
    );
    for (const migration of pendingMigrations(SQLITE_MIGRATIONS, applied)) {
      for (const statement of migration.statements) db.exec(statement);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(
        migration.version,
        migration.name,
        Date.now(),
      );
    }
  });
}
