import type { SqlClient, SqlRow } from "../batches/sql-client.ts";
import type { WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus } from "./webhook-delivery.ts";
import { buildWebhookEvent, type WebhookEventType } from "./webhook-event.ts";

function toDelivery(row: SqlRow): WebhookDelivery {
  return {
    id: String(row.id),
    owner: String(row.owner),
    subject_id: String(row.subject_id),
    type: row.type as WebhookEventType,
    url: String(row.url),
    payload: String(row.payload),
    status: row.status as WebhookDeliveryStatus,
    attempts: JSON.parse(String(row.attempts)) as WebhookAttempt[],
    created_at: Number(row.created_at),
    next_attempt_at: row.next_attempt_at == null ? null : Number(row.next_attempt_at),
  };
}

/** Persisted webhook deliveries: written with the state change they report, sent and retried by the dispatcher. */
export class WebhookStore {
  constructor(private readonly db: SqlClient) {}

  /**
   * Records an event to deliver now; pass the transaction that ends the job so both commit together. With an
   * `eventId`, recording the same event again (a listener run twice) changes nothing.
   */
  async enqueue(
    event: { owner: string; subjectId: string; type: WebhookEventType; url: string; eventId?: string },
    db: SqlClient = this.db,
    now = new Date(),
  ): Promise<WebhookDelivery> {
    const body = buildWebhookEvent(event.type, event.subjectId, now, event.eventId);
    await db.run(
      `INSERT INTO gateway_webhook_deliveries
         (id, owner, subject_id, type, url, payload, status, attempts, created_at, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', '[]', ?, ?) ON CONFLICT (id) DO NOTHING`,
      [
        body.id,
        event.owner,
        event.subjectId,
        event.type,
        event.url,
        JSON.stringify(body),
        now.getTime(),
        now.getTime(),
      ],
    );
    return {
      id: body.id,
      owner: event.owner,
      subject_id: event.subjectId,
      type: event.type,
      url: event.url,
      payload: JSON.stringify(body),
      status: "pending",
      attempts: [],
      created_at: now.getTime(),
      next_attempt_at: now.getTime(),
    };
  }

  /** Leases due deliveries for `leaseMs` so that one replica sends each attempt. */
  async claimDue(limit: number, leaseMs: number, now = Date.now()): Promise<WebhookDelivery[]> {
    const skipLocked = this.db.dialect === "postgres" ? "FOR UPDATE SKIP LOCKED" : "";
    const rows = await this.db.all(
      `UPDATE gateway_webhook_deliveries SET lease_until = ?
       WHERE id IN (SELECT id FROM gateway_webhook_deliveries
         WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
         ORDER BY next_attempt_at LIMIT ? ${skipLocked})
       RETURNING *`,
      [now + leaseMs, now, now, limit],
    );
    return rows.map(toDelivery);
  }

  /** Stores an attempt's outcome and what happens next (another attempt at `nextAt`, or a final status). */
  async recordAttempt(
    id: string,
    attempts: readonly WebhookAttempt[],
    status: WebhookDeliveryStatus,
    nextAt: number | null,
  ): Promise<void> {
    await this.db.run(
      `UPDATE gateway_webhook_deliveries SET attempts = ?, status = ?, next_attempt_at = ?, lease_until = NULL
       WHERE id = ?`,
      [JSON.stringify(attempts), status, nextAt, id],
    );
  }

  /** The deliveries of one job or batch, oldest first. */
  async forSubject(subjectId: string): Promise<WebhookDelivery[]> {
    const rows = await this.db.all(
      "SELECT * FROM gateway_webhook_deliveries WHERE subject_id = ? ORDER BY created_at",
      [subjectId],
    );
    return rows.map(toDelivery);
  }
}
