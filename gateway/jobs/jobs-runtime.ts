import type { Logger } from "pino";
import type { GatewayConfig } from "../config/schema.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { OcrServiceDependencies } from "../ocr/ocr-service.ts";
import { runJobSweep } from "./job-sweep.ts";
import { JobDocuments } from "./ocr/job-documents.ts";
import { ocrFinalizeHandler } from "./ocr/ocr-finalize-handler.ts";
import { OCR_FINALIZE_KIND, OCR_PAGE_KIND } from "./ocr/ocr-job-params.ts";
import { ocrPageHandler } from "./ocr/ocr-page-handler.ts";
import type { JobStore } from "./store/job-store.ts";
import { openJobStore } from "./store/open-job-store.ts";
import { jobStoreUnavailable } from "./store/store-unavailable.ts";
import { ModelSlots } from "./worker/capacity-gate.ts";
import { JobWorker } from "./worker/job-worker.ts";

/** The job tier of one gateway process: the store (once reachable), the worker, the periodic sweep. */
export interface JobsRuntime {
  /** The store; throws 503 `job_store_unavailable` until it could be opened. */
  store(): JobStore;
  /** Undefined when this process runs no worker (`JOB_WORKER=false`). */
  readonly worker: JobWorker | undefined;
  /** The model slots background work shares (job pages and batch lines), see `ModelSlots`. */
  readonly slots: ModelSlots;
  readonly settings: { resultTtlMs: number; expireAfterMs: number };
  /** For `/ready`: whether the store answers. */
  health(): Promise<{ ok: boolean; backend: string; error?: string }>;
  close(): Promise<void>;
}

const REOPEN_DELAY_MS = 5_000;

/**
 * Starts the job tier: opens the store (retrying in the background when PostgreSQL is not reachable yet, so
 * the gateway still starts and serves `/v1/ocr`), registers the OCR job handlers on a worker whose model work
 * fills only the backend's spare slots, and sweeps expired jobs and results every `JOB_SWEEP_INTERVAL_MS`.
 */
export async function startJobs(
  deps: OcrServiceDependencies & { config: GatewayConfig; logger: Logger; metrics: GatewayMetrics },
): Promise<JobsRuntime> {
  const { config, logger, metrics } = deps;
  const settings = { resultTtlMs: config.JOB_RESULT_TTL, expireAfterMs: config.JOB_EXPIRE_AFTER };
  const backendName = config.DATABASE_URL ? "postgres" : "sqlite";
  let store: JobStore | undefined;
  let closed = false;
  let reopenTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  const documents = new JobDocuments();
  const load =
    deps.ocr.load?.bind(deps.ocr) ?? (() => ({ slots: config.JOB_MAX_IN_FLIGHT, busy: 0, waiting: 0 }));
  const slots = new ModelSlots(load);
  const gate = slots.gate(config.JOB_MAX_IN_FLIGHT);
  const worker = config.JOB_WORKER ? createWorker() : undefined;

  function createWorker(): JobWorker {
    return new JobWorker({
      store: lazyStore(),
      logger,
      gate,
      leaseMs: config.JOB_LEASE_MS,
      pollMs: config.JOB_POLL_MS,
      maxAttempts: config.JOB_MAX_ATTEMPTS,
      onSettled: (kind, outcome) => metrics.jobUnits.inc({ kind, outcome }),
    });
  }

  /** The worker is built before the store opens; calls before that fail like a database that is down. */
  function lazyStore(): JobStore {
    return new Proxy({} as JobStore, {
      get: (_target, property) => {
        const current = store;
        if (!current) {
          return async () => {
            throw jobStoreUnavailable(new Error("job store not open yet"));
          };
        }
        const value = current[property as keyof JobStore];
        return typeof value === "function" ? value.bind(current) : value;
      },
    });
  }

  async function open(): Promise<void> {
    try {
      store = await openJobStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR }, logger);
      logger.info({ backend: store.backend }, "job store open");
      if (closed) await store.close();
    } catch (error) {
      if (closed) return;
      logger.warn({ err: (error as Error).message, backend: backendName }, "job store unavailable; retrying");
      reopenTimer = setTimeout(() => void open(), REOPEN_DELAY_MS);
      reopenTimer.unref();
    }
  }

  await open();
  if (worker) {
    const finalize = ocrFinalizeHandler(deps, documents, {
      resultTtlMs: settings.resultTtlMs,
      now: Date.now,
      logger,
    });
    worker.register(OCR_PAGE_KIND, ocrPageHandler(deps, documents, gate), { usesModel: true });
    worker.register(OCR_FINALIZE_KIND, finalize, { usesModel: false });
    worker.start();
  }
  sweepTimer = setInterval(() => {
    if (store)
      void runJobSweep(store, { metrics, logger, resultTtlMs: settings.resultTtlMs, now: Date.now() });
  }, config.JOB_SWEEP_INTERVAL_MS);
  sweepTimer.unref();

  return {
    store() {
      if (!store) throw jobStoreUnavailable(new Error("job store not open"));
      return store;
    },
    worker,
    slots,
    settings,
    async health() {
      return store ? store.health() : { ok: false, backend: backendName, error: "not connected" };
    },
    async close() {
      closed = true;
      clearTimeout(reopenTimer);
      clearInterval(sweepTimer);
      await worker?.stop();
      await documents.closeAll();
      await store?.close();
    },
  };
}
