import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { GatewayConfig } from "../config/schema.ts";
import type { JobsRuntime } from "../jobs/jobs-runtime.ts";
import { jobStoreUnavailable } from "../jobs/store/store-unavailable.ts";
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
  /**
   * The stores. Each property throws 503 `job_store_unavailable` until the database could be opened (the
   * runtime keeps retrying in the background, like the job store), so the routes answer that meanwhile.
   */
  stores: BatchStores;
  /** True when events can be signed (WEBHOOK_SECRET is set); a `webhook_url` is refused otherwise. */
  webhooksEnabled: boolean;
  /** For `/ready`: whether the database answers. */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

export interface StoreHealth {
  ok: boolean;
  backend: string;
  error?: string;
}

/** A backend that cannot report its load is not throttled (the worker's own concurrency still bounds it). */
const UNTHROTTLED: BackendLoad = { slots: Number.POSITIVE_INFINITY, busy: 0, waiting: 0 };
const REOPEN_DELAY_MS = 5_000;

/** PostgreSQL when DATABASE_URL is set, else SQLite in DATA_DIR (nothing to run). */
function openDatabase(config: GatewayConfig): SqlClient {
  if (config.DATABASE_URL) return openPostgresClient(config.DATABASE_URL);
  mkdirSync(config.DATA_DIR, { recursive: true });
  return openSqliteClient(path.join(config.DATA_DIR, "batches.sqlite"));
}

/** Stores whose properties resolve once `current()` has them, and throw 503 until then. */
function lazyStores(current: () => BatchStores | undefined): BatchStores {
  const open = (): BatchStores => {
    const stores = current();
    if (!stores) throw jobStoreUnavailable(new Error("batch store not open yet"));
    return stores;
  };
  return {
    get db() {
      return open().db;
    },
    get files() {
      return open().files;
    },
    get batches() {
      return open().batches;
    },
    get lines() {
      return open().lines;
    },
    get webhooks() {
      return open().webhooks;
    },
  };
}

/**
 * Opens the database, migrates it and starts this replica's batch worker and webhook dispatcher. When the
 * database cannot be reached yet (PostgreSQL down at start-up), the gateway starts anyway and the runtime
 * retries every few seconds; until then the batch, file and webhook stores answer 503. WEBHOOK_URL without
 * WEBHOOK_SECRET is refused: every event the gateway sends is signed.
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
  const backendName = config.DATABASE_URL ? "postgres" : "sqlite";
  const db = openDatabase(config);
  let opened: BatchStores | undefined;
  let closed = false;
  let reopenTimer: NodeJS.Timeout | undefined;
  const stores = lazyStores(() => opened);
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
    // Shares the job pages' slots, so each sees the other as background work rather than interactive traffic.
    capacity: (deps.jobs?.slots ?? new ModelSlots(() => deps.ocr.load?.() ?? UNTHROTTLED)).gate(
      config.BATCH_CONCURRENCY,
      0,
    ),
    leaseMs: config.JOB_LEASE_MS,
    pollMs: config.JOB_POLL_MS,
    maxAttempts: config.JOB_MAX_ATTEMPTS,
    logger,
    onLine: (outcome) => metrics.jobUnits.inc({ kind: "batch_line", outcome }),
  });
  let dispatcher: WebhookDispatcher | undefined;
  let startDispatcher = (_stores: BatchStores) => {};
  let closeSender = async () => {};
  if (config.WEBHOOK_SECRET) {
    const sender = createWebhookSender({
      sign: createWebhookSigner(config.WEBHOOK_SECRET),
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      allowedPrivateHosts: config.FETCH_ALLOWED_PRIVATE_HOSTS,
    });
    closeSender = () => sender.close();
    startDispatcher = (open) => {
      dispatcher = new WebhookDispatcher({
        store: open.webhooks,
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
      dispatcher.start();
    };
    // Until the database is open the listener throws 503, and the worker runs the job's `job.ended` unit again.
    deps.jobs?.worker?.onJobEnded(ocrJobWebhooks(() => stores.webhooks, config.WEBHOOK_URL));
  }

  async function open(): Promise<void> {
    try {
      const migrated = await openBatchStores(db);
      if (closed) return;
      opened = migrated;
      logger.info({ backend: backendName }, "batch store open");
      if (config.JOB_WORKER) {
        worker.start();
        startDispatcher(migrated);
      }
    } catch (error) {
      if (closed) return;
      logger.warn(
        { err: (error as Error).message, backend: backendName },
        "batch store unavailable; retrying",
      );
      reopenTimer = setTimeout(() => void open(), REOPEN_DELAY_MS);
      reopenTimer.unref();
    }
  }
  await open();

  return {
    stores,
    webhooksEnabled: config.WEBHOOK_SECRET !== undefined,
    async health() {
      if (!opened) return { ok: false, backend: backendName, error: "not connected" };
      try {
        await db.all("SELECT 1 AS ok");
        return { ok: true, backend: backendName };
      } catch (error) {
        return { ok: false, backend: backendName, error: (error as Error).message };
      }
    },
    async close() {
      closed = true;
      clearTimeout(reopenTimer);
      await worker.stop();
      await dispatcher?.stop();
      await closeSender();
      await db.close();
    },
  };
}
