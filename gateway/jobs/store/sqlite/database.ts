import type Database from "better-sqlite3";
import type { JsonValue } from "../job-store.ts";

/** Reads a JSON column: SQLite keeps it as text. */
export const json = (value: unknown): JsonValue | null => (value == null ? null : JSON.parse(String(value)));

/**
 * Runs `work` in one `BEGIN IMMEDIATE` transaction (the write lock taken up front), so two processes on one
 * machine sharing the file still never claim the same unit.
 */
export function write<T>(db: Database.Database, work: () => T): T {
  return db.transaction(work).immediate();
}
