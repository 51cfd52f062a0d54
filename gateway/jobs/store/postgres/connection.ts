import type pg from "pg";
import type { JsonValue } from "../job-store.ts";
import type { Row } from "../row-mapping.ts";
import { isConnectionFailure, jobStoreUnavailable } from "../store-unavailable.ts";

/** A pool or a client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, "query">;

/** Reads a jsonb column: `pg` parses it already. */
export const json = (value: unknown): JsonValue | null => value ?? null;

/** One statement on any pooled connection; a failure to reach the database becomes 503 `job_store_unavailable`. */
export async function query(pool: pg.Pool, sql: string, values: unknown[] = []): Promise<Row[]> {
  try {
    return (await pool.query(sql, values)).rows;
  } catch (error) {
    throw isConnectionFailure(error) ? jobStoreUnavailable(error) : error;
  }
}

/**
 * Runs `work` between `BEGIN` and `COMMIT` on one checked-out client (`ROLLBACK` when it throws). A connection
 * lost on the way becomes 503 `job_store_unavailable`, and the broken client is discarded rather than reused.
 */
export async function transaction<T>(pool: pg.Pool, work: (client: Queryable) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw isConnectionFailure(error) ? jobStoreUnavailable(error) : error;
  }
  let broken = false;
  // A checked-out client whose connection drops emits 'error'; unheard, that would crash the process.
  const onError = () => {
    broken = true;
  };
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    broken = isConnectionFailure(error);
    if (!broken) await client.query("ROLLBACK").catch(() => undefined);
    throw broken ? jobStoreUnavailable(error) : error;
  } finally {
    client.off("error", onError);
    client.release(broken);
  }
}
