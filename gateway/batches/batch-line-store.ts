import type { BatchLineResult } from "./batch-line-result.ts";
import type { BatchInputLine } from "./parse-batch-input.ts";
import type { SqlClient } from "./sql-client.ts";

/** A line a worker holds a lease on: run it, then `checkpoint` with the same `lease`. */
export interface ClaimedLine {
  batch_id: string;
  line_index: number;
  custom_id: string;
  body: Record<string, unknown>;
  /** How many times the line has been claimed, this time included. */
  attempts: number;
  lease: string;
}

const INSERT_CHUNK = 200;

/**
 * The lines of running batches, which are also the batch work queue: a line is claimed with a lease
 * (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas never claim the same line), and its result is
 * checkpointed only by the holder of the current lease, so each line ends up in the output exactly once even
 * when a replica dies mid-line and another takes the line over after the lease lapses.
 */
export class BatchLineStore {
  constructor(private readonly db: SqlClient) {}

  async insert(batchId: string, lines: readonly BatchInputLine[], db: SqlClient = this.db): Promise<void> {
    for (let start = 0; start < lines.length; start += INSERT_CHUNK) {
      const chunk = lines.slice(start, start + INSERT_CHUNK);
      const values = chunk.map(() => "(?, ?, ?, ?, 'pending')").join(", ");
      await db.run(
        `INSERT INTO gateway_batch_lines (batch_id, line_index, custom_id, body, state) VALUES ${values}`,
        chunk.flatMap((line) => [batchId, line.index, line.custom_id, JSON.stringify(line.body)]),
      );
    }
  }

  /** Leases up to `limit` runnable lines of in-progress batches, oldest batch first, until `now + leaseMs`. */
  async claim(lease: string, limit: number, leaseMs: number, now = Date.now()): Promise<ClaimedLine[]> {
    const skipLocked = this.db.dialect === "postgres" ? "FOR UPDATE OF l SKIP LOCKED" : "";
    const rows = await this.db.all(
      `UPDATE gateway_batch_lines SET state = 'running', lease_owner = ?, lease_until = ?, attempts = attempts + 1
       WHERE (batch_id, line_index) IN (
         SELECT l.batch_id, l.line_index FROM gateway_batch_lines l
         JOIN gateway_batches b ON b.id = l.batch_id
         WHERE b.status = 'in_progress'
           AND ((l.state = 'pending' AND (l.lease_until IS NULL OR l.lease_until <= ?))
             OR (l.state = 'running' AND l.lease_until < ?))
         ORDER BY b.created_at, l.batch_id, l.line_index LIMIT ? ${skipLocked})
       RETURNING batch_id, line_index, custom_id, body, attempts`,
      [lease, now + leaseMs, now, now, limit],
    );
    return rows.map((row) => ({
      batch_id: String(row.batch_id),
      line_index: Number(row.line_index),
      custom_id: String(row.custom_id),
      body: JSON.parse(String(row.body)) as Record<string, unknown>,
      attempts: Number(row.attempts),
      lease,
    }));
  }

  /** Extends the leases a live worker holds. */
  async renew(leases: readonly string[], leaseMs: number, now = Date.now()): Promise<void> {
    if (leases.length === 0) return;
    const marks = leases.map(() => "?").join(", ");
    await this.db.run(
      `UPDATE gateway_batch_lines SET lease_until = ? WHERE state = 'running' AND lease_owner IN (${marks})`,
      [now + leaseMs, ...leases],
    );
  }

  /** Records a line's final result; false when the lease was lost (another worker owns the line now). */
  async checkpoint(line: ClaimedLine, result: BatchLineResult, ok: boolean): Promise<boolean> {
    const changed = await this.db.run(
      `UPDATE gateway_batch_lines SET state = 'done', outcome = ?, result = ?, input_tokens = ?, output_tokens = ?,
         body = NULL, lease_owner = NULL, lease_until = NULL
       WHERE batch_id = ? AND line_index = ? AND state = 'running' AND lease_owner = ?`,
      [
        ok ? "completed" : "failed",
        JSON.stringify(result),
        result.usage.input_tokens,
        result.usage.output_tokens,
        line.batch_id,
        line.line_index,
        line.lease,
      ],
    );
    return changed > 0;
  }

  /** Hands a line back to the queue, runnable again from `notBefore` (after a transient failure or on shutdown). */
  async release(line: ClaimedLine, notBefore: number): Promise<void> {
    await this.db.run(
      `UPDATE gateway_batch_lines SET state = 'pending', lease_owner = NULL, lease_until = ?
       WHERE batch_id = ? AND line_index = ? AND state = 'running' AND lease_owner = ?`,
      [notBefore, line.batch_id, line.line_index, line.lease],
    );
  }

  /** Lines not done yet; `running` counts only live leases (a dead replica's lines are not waited for). */
  async unfinished(batchId: string, now = Date.now()): Promise<{ pending: number; running: number }> {
    const [row] = await this.db.all(
      `SELECT SUM(CASE WHEN state = 'pending' OR (state = 'running' AND lease_until < ?) THEN 1 ELSE 0 END) AS pending,
         SUM(CASE WHEN state = 'running' AND lease_until >= ? THEN 1 ELSE 0 END) AS running
       FROM gateway_batch_lines WHERE batch_id = ?`,
      [now, now, batchId],
    );
    return { pending: Number(row?.pending ?? 0), running: Number(row?.running ?? 0) };
  }

  /** Ends every unfinished line with `result(custom_id)` (expiry); a late checkpoint of one of them is refused. */
  async finishRemaining(
    batchId: string,
    result: (customId: string) => BatchLineResult,
    db: SqlClient = this.db,
  ): Promise<void> {
    const rows = await db.all(
      "SELECT line_index, custom_id FROM gateway_batch_lines WHERE batch_id = ? AND state <> 'done'",
      [batchId],
    );
    for (const row of rows) {
      await db.run(
        `UPDATE gateway_batch_lines SET state = 'done', outcome = 'failed', result = ?, body = NULL,
           lease_owner = NULL, lease_until = NULL WHERE batch_id = ? AND line_index = ?`,
        [JSON.stringify(result(String(row.custom_id))), batchId, Number(row.line_index)],
      );
    }
  }

  /** The results of the done lines, in input order. */
  async results(batchId: string, db: SqlClient = this.db): Promise<BatchLineResult[]> {
    const rows = await db.all(
      "SELECT result FROM gateway_batch_lines WHERE batch_id = ? AND state = 'done' ORDER BY line_index",
      [batchId],
    );
    return rows.map((row) => JSON.parse(String(row.result)) as BatchLineResult);
  }

  async deleteAll(batchId: string, db: SqlClient = this.db): Promise<void> {
    await db.run("DELETE FROM gateway_batch_lines WHERE batch_id = ?", [batchId]);
  }
}
