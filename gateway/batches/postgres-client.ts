import pg from "pg";
import { isConnectionFailure, jobStoreUnavailable } from "../jobs/store/store-unavailable.ts";
import { numberedPlaceholders, type SqlClient, type SqlRow, type SqlValue } from "./sql-client.ts";

type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

/** A database that cannot be reached is a 503 `job_store_unavailable` (routes), not an internal error. */
async function reachable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw isConnectionFailure(error) ? jobStoreUnavailable(error) : error;
  }
}

function over(target: Queryable, transaction: SqlClient["transaction"]): SqlClient {
  return {
    dialect: "postgres",
    all: <T extends SqlRow>(sql: string, params: readonly SqlValue[] = []) =>
      reachable(async () => (await target.query(numberedPlaceholders(sql), [...params])).rows as T[]),
    run: (sql, params = []) =>
      reachable(async () => (await target.query(numberedPlaceholders(sql), [...params])).rowCount ?? 0),
    transaction,
    close: async () => {},
  };
}

/** PostgreSQL through a `pg` pool; a transaction runs on one pooled connection. */
export function openPostgresClient(connectionString: string): SqlClient {
  const pool = new pg.Pool({ connectionString, max: 10 });
  // BIGINT columns hold millisecond timestamps, well inside Number's exact range.
  pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
  pool.on("error", () => {});

  async function transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T> {
    const connection = await reachable(() => pool.connect());
    try {
      await connection.query("BEGIN");
      const nested = over(connection, (inner) => inner(nested));
      const result = await work(nested);
      await connection.query("COMMIT");
      return result;
    } catch (error) {
      await connection.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      connection.release();
    }
  }

  return { ...over(pool, transaction), close: () => pool.end() };
}
