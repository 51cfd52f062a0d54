/** A SQL value as the stores pass it: text, numbers, blobs, or NULL. */
export type SqlValue = string | number | Buffer | null;
export type SqlRow = Record<string, unknown>;

/**
 * The little SQL the file, batch and webhook stores need, over either PostgreSQL or SQLite. Statements use `?`
 * placeholders (rewritten to `$n` for PostgreSQL) and the SQL common to both; `dialect` is there for the few
 * clauses that differ (`FOR UPDATE SKIP LOCKED`).
 */
export interface SqlClient {
  readonly dialect: "postgres" | "sqlite";
  all<T extends SqlRow>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement and answers the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `?` → `$1, $2, …` (the statements here never put a `?` inside a string literal). */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
