import Database from "better-sqlite3";
import type { SqlClient, SqlRow, SqlValue } from "./sql-client.ts";

/**
 * SQLite through better-sqlite3 (synchronous). Transactions hold a lock so no other statement of this process
 * interleaves with an open `BEGIN IMMEDIATE … COMMIT` while its async work awaits.
 */
export function openSqliteClient(file: string): SqlClient {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  // As the job store: in WAL mode a commit survives the process being killed; only an OS crash or power loss
  // may drop the last commits, and a line whose checkpoint is lost is run again.
  db.pragma("synchronous = NORMAL");
  let lock: Promise<unknown> = Promise.resolve();

  const direct = {
    all: <T extends SqlRow>(sql: string, params: readonly SqlValue[] = []) =>
      db.prepare(sql).all(...params) as T[],
    run: (sql: string, params: readonly SqlValue[] = []) => db.prepare(sql).run(...params).changes,
  };

  function inTransaction(): SqlClient {
    return {
      dialect: "sqlite",
      all: async (sql, params) => direct.all(sql, params),
      run: async (sql, params) => direct.run(sql, params),
      transaction: (work) => work(inTransaction()),
      close: async () => {},
    };
  }

  function serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = lock.then(work, work);
    lock = next.catch(() => undefined);
    return next;
  }

  return {
    dialect: "sqlite",
    all: (sql, params) => serialized(async () => direct.all(sql, params)),
    run: (sql, params) => serialized(async () => direct.run(sql, params)),
    transaction: (work) =>
      serialized(async () => {
        db.exec("BEGIN IMMEDIATE");
        try {
          const result = await work(inTransaction());
          db.exec("COMMIT");
          return result;
        } catch (error) {
          db.exec("ROLLBACK");
          throw error;
        }
      }),
    close: async () => {
      await lock;
      db.close();
    },
  };
}
