import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { GatewayConfig } from "../config/schema.ts";
import type { JobsRuntime } from "../jobs/jobs-runtime.ts";
import { ModelSlots } from "../jobs/worker/capacity-gate.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { BackendLoad } from "../ocr/ocr-backend.ts";
import { ocrJobWebhooks } from "../webhooks/ocr-job-webhooks.ts";
import { createWebhookSender } from "../webhooks/send-webhook.ts";
import { WebhookDispatcher } from "../webhooks/webhook-dispatcher.ts";
import { createWebhookSigner } from "../webhooks/webhook-signer.ts";
import type { BatchLifecycleOptions } from "./batch-lifecycle.ts";
import { type BatchStores, openBatchStores } from "./batch-stores.ts";
import { BatchWorker } from "./batch-worker.ts";
import { openPostgresClient } from "./postgres-client.ts";
import type { BatchLineDependencies } from "./run-batch-line.ts";
import type { SqlClient } from "./sql-client.ts";
import { openSqliteClient } from "./sqlite-client.ts";

/** Files, batches and webhooks of one replica: the stores the routes use, and the loops that do the work. */
export interface BatchRuntime {
  stores: BatchStores;
  /** True when events can be signed (WEBHOOK_SECRET is set); a `webhook_url` is refused otherwise. */
  webhooksEnabled: boolean;
  close(): Promise<void>;
}

/** A backend that cannot report its load is not throttled (the worker's own concurrency still bounds it). */
const UNTHROTTLED: BackendLoad = { slots: Number.POSITIVE_INFINITY, busy: 0, waiting: 0 };

/** PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR (nothing to run). */
function openDatabase(config: GatewayConfig): SqlClient {
  if (config.DATABASE_URL) return openPostgresClient(config.DATABASE_URL);
  mkdirSync(config.DATA_DIR, { recursive: true });
  return openSqliteClient(path.join(config.DATA_DIR, "batches.sqlite"));
}

/**
 * Opens the database, migrates it and starts this replica's batch worker and webhook dispatcher. WEBHOOK_URL
 * without WEBHOOK_SECRET is refused: every event the gateway sends is signed.
 */
export async function startBatchRuntime(
  config: GatewayConfig,
  deps: BatchLineDependencies & { jobs?: JobsRuntime | undefined },
  metrics: GatewayMetrics,
  logger: Logger,
): Promise<BatchRuntime> {
  if (config.WEBHOOK_URL && !config.WEBHOOK_SECRET) {
    throw new Error(
      "WEBHOOK_URL is set but WEBHOOK_SECRET is not: set WEBHOOK_SECRET=whsec_… to sign events",
    );
  }
  const db = openDatabase(config);
  const stores = await openBatchStores(db);
  const lifecycle: BatchLifecycleOptions = {
    maxLines: config.BATCH_MAX_LINES,
    resultTtlMs: config.JOB_RESULT_TTL,
    defaultWebhookUrl: config.WEBHOOK_URL,
  };
  const worker = new BatchWorker({
    stores,
    deps,
    lifecycle,
    concurrency: config.BATCH_CONCURRENCY,
    capacity: new ModelSlots(() => deps.ocr.load?.() ?? UNTHROTTLED, config.BATCH_CONCURRENCY, 0),
    leaseMs: config.JOB_LEASE_MS,
    pollMs: config.JOB_POLL_MS,
    maxAttempts: config.JOB_MAX_ATTEMPTS,
    logger,
    onLine: (outcome) => metrics.jobUnits.inc({ kind: "batch_line", outcome }),
  });
  if (config.JOB_WORKER) worker.start();
  let dispatcher: WebhookDispatcher | undefined;
  let closeSender = async () => {};
  if (config.WEBHOOK_SECRET) {
    const sender = createWebhookSender({
      sign: createWebhookSigner(config.WEBHOOK_SECRET),
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      allowedPrivateHosts: config.FETCH_ALLOWED_PRIVATE_HOSTS,
    });
    closeSender = () => sender.close();
    dispatcher = new WebhookDispatcher({
      store: stores.webhooks,
      send: sender.sendWebhook,
      retry: {
        baseDelayMs: config.WEBHOOK_RETRY_BASE_MS,
        maxDelayMs: 3_600_000,
        windowMs: config.WEBHOOK_RETRY_WINDOW_MS,
      },
      pollMs: Math.min(1_000, config.JOB_POLL_MS),
      leaseMs: config.WEBHOOK_TIMEOUT_MS * 2,
      logger,
      onAttempt: (outcome) => metrics.webhookDeliveries.inc({ outcome }),
    });
    if (config.JOB_WORKER) dispatcher.start();
    deps.jobs?.worker?.onJobEnded(ocrJobWebhooks(stores.webhooks, config.WEBHOOK_URL));
  }
  return {
    stores,
    webhooksEnabled: config.WEBHOOK_SECRET !== undefined,
    async close() {
      await worker.stop();
      await dispatcher?.stop();
      await closeSender();
      await db.close();
    },
  };
}
