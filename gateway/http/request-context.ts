import type { Logger } from "pino";
import type { Authenticator, Principal } from "../auth/authenticator.ts";
import type { RateLimiter } from "../auth/rate-limiter.ts";
import type { ChatBackend } from "../backends/backend.ts";
import type { BatchRuntime } from "../batches/batch-runtime.ts";
import type { ResultCache } from "../cache/result-cache.ts";
import type { SamplingDefaults } from "../chat/apply-model-defaults.ts";
import type { ModelNames } from "../chat/model-names.ts";
import type { GatewayConfig } from "../config/schema.ts";
import type { OpenPdfFn } from "../documents/pdf-render-pool.ts";
import type { PageOrienter } from "../engines/orientation/create-page-orienter.ts";
import type { RemoteFileFetcher } from "../fetching/fetch-remote-file.ts";
import type { JobsRuntime } from "../jobs/jobs-runtime.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { OcrBackend } from "../ocr/ocr-backend.ts";
import type { RedisConnection } from "../redis/redis-connection.ts";
import type { ModelRelease } from "../release/model-release.ts";
import type { ReleaseReloader } from "../release/release-reloader.ts";
import type { TaskRegistry } from "../tasks/index.ts";

/** Per-request values the middleware set for handlers (Hono `c.var`). */
export interface RequestVariables {
  requestId: string;
  startedAt: number;
  /** Who is calling (set by `requireAuth` on protected routes). */
  principal?: Principal;
  /** Label values routes fill in for metrics and logs (`modelVersion`: the model version that answered). */
  labels: { task: string; modelVersion: string };
}

/** What `createApp` is given: everything is built by the entry point (or a test) and passed in. */
export interface AppDependencies {
  config: GatewayConfig;
  backend: ChatBackend;
  /** How `/v1/ocr` reads pages (the same model server or engine as `backend`). */
  ocr: OcrBackend;
  tasks: TaskRegistry;
  fetcher: RemoteFileFetcher;
  authenticator: Authenticator;
  /** Where PDF pages are rendered (worker threads unless PDF_RENDER_WORKERS=0). */
  pdf: { open: OpenPdfFn; close(): Promise<void>; stats?(): Promise<Record<string, number>> };
  rateLimiter?: RateLimiter | undefined;
  /** The `/v1/ocr` result cache (off with CACHE=off). */
  cache?: ResultCache | undefined;
  /** Shared state (rate limits, cache) when REDIS_URL is set; closed on shutdown. */
  redis?: RedisConnection | undefined;
  models: ModelNames;
  /** The model versions and the gray release between them (one version without UPSTREAMS_FILE). */
  release: ModelRelease;
  /** Applies UPSTREAMS_FILE again when it changes (and on SIGHUP); only with UPSTREAMS_FILE. */
  releaseReloader?: ReleaseReloader | undefined;
  sampling: SamplingDefaults;
  metrics: GatewayMetrics;
  logger: Logger;
  /** Page orientation workers (`AUTO_ROTATE=on`, started on the first page); closed on shutdown. */
  orienter?: PageOrienter | undefined;
  /** Durable async jobs (store, worker); undefined with `JOBS_ENABLED=false`. */
  jobs?: JobsRuntime | undefined;
  /** Files, batches and webhooks ; undefined with `JOBS_ENABLED=false`. */
  batches?: BatchRuntime | undefined;
}

export type AppEnv = { Variables: RequestVariables };
