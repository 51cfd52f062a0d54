import type { ListPage } from "../files/file-store.ts";
import type { BatchRecord } from "./batch-record.ts";
import type { BatchStatus } from "./batch-status.ts";
import type { SqlClient, SqlRow } from "./sql-client.ts";

interface LineTotals {
  total: number;
  completed: number;
  failed: number;
  input_tokens: number;
  output_tokens: number;
}

function parseRecord(row: SqlRow): BatchRecord {
  return JSON.parse(String(row.record)) as BatchRecord;
}

/**
 * Batches as stored: the record as JSON plus the columns queries need (owner, status, creation time). While a
 * batch runs, `request_counts` and `usage` are summed from its lines' checkpoints, so they are exact whatever
 * replica wrote them; when it ends, they are frozen into the record.
 */
export class BatchStore {
  constructor(private readonly db: SqlClient) {}

  async insert(batch: BatchRecord, db: SqlClient = this.db): Promise<void> {
    await db.run(
      "INSERT INTO gateway_batches (id, owner, status, created_at, record) VALUES (?, ?, ?, ?, ?)",
      [batch.id, batch.owner, batch.status, batch.created_at * 1000, JSON.stringify(batch)],
    );
  }

  /**
   * Writes `next` only if the stored status is still `expected`; answers false when another replica (or a
   * cancel) moved the batch first, so each transition happens exactly once.
   */
  async replace(next: BatchRecord, expected: BatchStatus, db: SqlClient = this.db): Promise<boolean> {
    const changed = await db.run(
      "UPDATE gateway_batches SET status = ?, record = ? WHERE id = ? AND status = ?",
      [next.status, JSON.stringify(next), next.id, expected],
    );
    return changed > 0;
  }

  /** The batch of `owner` (null for anyone else's), with live counts while it runs. */
  async get(owner: string, id: string, db: SqlClient = this.db): Promise<BatchRecord | null> {
    const [row] = await db.all("SELECT record FROM gateway_batches WHERE id = ? AND owner = ?", [id, owner]);
    return row ? this.withLiveCounts(parseRecord(row), db) : null;
  }

  /** The batch whatever its owner (for the worker, which acts for every owner). */
  async getAny(id: string, db: SqlClient = this.db): Promise<BatchRecord | null> {
    const [row] = await db.all("SELECT record FROM gateway_batches WHERE id = ?", [id]);
    return row ? parseRecord(row) : null;
  }

  /** Newest first, continuing after the batch `after`. */
  async list(
    owner: string,
    options: { after?: string | undefined; limit: number },
  ): Promise<ListPage<BatchRecord>> {
    const params: Array<string | number> = [owner];
    let where = "owner = ?";
    if (options.after) {
      const [cursor] = await this.db.all(
        "SELECT created_at FROM gateway_batches WHERE id = ? AND owner = ?",
        [options.after, owner],
      );
      if (cursor) {
        where += " AND (created_at < ? OR (created_at = ? AND id < ?))";
        params.push(Number(cursor.created_at), Number(cursor.created_at), options.after);
      }
    }
    const rows = await this.db.all(
      `SELECT record FROM gateway_batches WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ?`,
      [...params, options.limit + 1],
    );
    const page = await Promise.all(
      rows.slice(0, options.limit).map((row) => this.withLiveCounts(parseRecord(row))),
    );
    return { data: page, has_more: rows.length > options.limit };
  }

  /** One page by position (Mistral's `page`/`page_size`), newest first, with the owner's total. */
  async page(owner: string, offset: number, limit: number): Promise<{ data: BatchRecord[]; total: number }> {
    const [count] = await this.db.all("SELECT COUNT(*) AS total FROM gateway_batches WHERE owner = ?", [
      owner,
    ]);
    const rows = await this.db.all(
      "SELECT record FROM gateway_batches WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
      [owner, limit, offset],
    );
    const data = await Promise.all(rows.map((row) => this.withLiveCounts(parseRecord(row))));
    return { data, total: Number(count?.total ?? 0) };
  }

  /** Ids of batches in any of `statuses` (oldest first), for the worker to advance. */
  async idsInStatus(statuses: readonly BatchStatus[], limit = 50): Promise<string[]> {
    const marks = statuses.map(() => "?").join(", ");
    const rows = await this.db.all(
      `SELECT id FROM gateway_batches WHERE status IN (${marks}) ORDER BY created_at LIMIT ?`,
      [...statuses, limit],
    );
    return rows.map((row) => String(row.id));
  }

  async lineTotals(batchId: string, db: SqlClient = this.db): Promise<LineTotals> {
    const [row] = await db.all(
      `SELECT COUNT(*) AS total,
        SUM(CASE WHEN outcome = 'completed' THEN 1 ELSE 0 END) AS completed,
        SUM(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END) AS failed,
        SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens
       FROM gateway_batch_lines WHERE batch_id = ?`,
      [batchId],
    );
    return {
      total: Number(row?.total ?? 0),
      completed: Number(row?.completed ?? 0),
      failed: Number(row?.failed ?? 0),
      input_tokens: Number(row?.input_tokens ?? 0),
      output_tokens: Number(row?.output_tokens ?? 0),
    };
  }

  private async withLiveCounts(batch: BatchRecord, db: SqlClient = this.db): Promise<BatchRecord> {
    if (batch.status !== "in_progress" && batch.status !== "cancelling" && batch.status !== "finalizing")
      return batch;
    const totals = await this.lineTotals(batch.id, db);
    return {
      ...batch,
      request_counts: { total: totals.total, completed: totals.completed, failed: totals.failed },
      usage: { input_tokens: totals.input_tokens, output_tokens: totals.output_tokens },
    };
  }
}
