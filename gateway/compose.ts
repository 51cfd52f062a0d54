import type { Logger } from "pino";
import sharp from "sharp";
import { hashPlainKeys, readHashedKeyFile } from "./auth/api-keys.ts";
import { createAuthenticator } from "./auth/authenticator.ts";
import { createJwtVerifier } from "./auth/jwt-verifier.ts";
import { RateLimiter } from "./auth/rate-limiter.ts";
import type { ChatBackend } from "./backends/backend.ts";
import { EmbeddedChatBackend } from "./backends/embedded-chat-backend.ts";
import { VllmBackend } from "./backends/vllm-backend.ts";
import { startBatchRuntime } from "./batches/batch-runtime.ts";
import { createResultCache } from "./cache/create-result-cache.ts";
import { ModelNames } from "./chat/model-names.ts";
import type { GatewayConfig } from "./config/schema.ts";
import { PdfRenderPool } from "./documents/pdf-render-pool.ts";
import { openPdf } from "./documents/render-pdf-pages.ts";
import { RECOGNITION_LONG_SIDE_FACTOR } from "./engines/embedded/bound-image.ts";
import { createEmbeddedEngine } from "./engines/embedded/create-embedded-engine.ts";
import {
  createPageOrienter,
  missingOrientationPackages,
  type PageOrienter,
} from "./engines/orientation/create-page-orienter.ts";
import { createRemoteFileFetcher } from "./fetching/fetch-remote-file.ts";
import type { AppDependencies } from "./http/request-context.ts";
import type { ImageLimits } from "./images/image-limits.ts";
import { startJobs } from "./jobs/jobs-runtime.ts";
import { createReplicaReachabilityLog } from "./logging/replica-reachability-log.ts";
import { createGatewayMetrics, type GatewayMetrics } from "./metrics/gateway-metrics.ts";
import { type AutoRotateHooks, withAutoRotation } from "./ocr/auto-rotate-backend.ts";
import { EmbeddedOcrBackend } from "./ocr/embedded-ocr-backend.ts";
import type { OcrBackend } from "./ocr/ocr-backend.ts";
import { connectRedis } from "./redis/redis-connection.ts";
import { ModelRelease } from "./release/model-release.ts";
import type { VersionBackends } from "./release/model-version.ts";
import { releaseChatBackend } from "./release/release-chat-backend.ts";
import { watchUpstreamsFile } from "./release/release-reloader.ts";
import { readUpstreamsFile, singleVersionRelease, type VersionSpec } from "./release/upstreams-file.ts";
import { VersionedOcrBackend } from "./release/versioned-ocr.ts";
import {
  BUILTIN_PROMPTS_DIR,
  loadTaskRegistry,
  type ModelProfile,
  type TaskRegistry,
} from "./tasks/index.ts";
import type { UpstreamObserver } from "./upstream/upstream-observer.ts";
import { VllmClient } from "./upstream/vllm-client.ts";

/** Upstream call metrics of one model version: duration by outcome, time to first token, tokens in and out. */
function upstreamMetrics(metrics: GatewayMetrics, backend: string, version: string): UpstreamObserver {
  return {
    finished: (outcome, seconds) =>
      metrics.upstreamDuration.observe({ backend, outcome, model_version: version }, seconds),
    firstChunk: (seconds) => metrics.timeToFirstToken.observe({ backend, model_version: version }, seconds),
    usage: (prompt, completion) => {
      metrics.tokens.inc({ direction: "prompt", backend, model_version: version }, prompt);
      metrics.tokens.inc({ direction: "completion", backend, model_version: version }, completion);
    },
  };
}

/** One model version's vLLM pool: its replicas, its served model name and its profile. */
function vllmVersionBackends(
  config: GatewayConfig,
  spec: VersionSpec,
  profile: ModelProfile,
  imageLimits: ImageLimits,
  metrics: GatewayMetrics,
  logger: Logger,
): VersionBackends {
  const reachability = createReplicaReachabilityLog(logger, (url) => client.checkHealth(url));
  const client: VllmClient = new VllmClient({
    urls: spec.replicas,
    apiKey: config.VLLM_API_KEY,
    connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    keepAliveMs: config.UPSTREAM_KEEPALIVE_MS,
    connections: config.UPSTREAM_CONNECTIONS,
    maxConcurrentPerReplica: config.UPSTREAM_MAX_CONCURRENCY,
    maxQueue: config.UPSTREAM_MAX_QUEUE,
    queueTimeoutMs: config.UPSTREAM_QUEUE_TIMEOUT_MS,
    ejectAfterFailures: config.UPSTREAM_EJECT_AFTER_FAILURES,
    ejectionCooldownMs: config.UPSTREAM_EJECT_COOLDOWN_MS,
    retry: {
      retries: config.UPSTREAM_RETRIES,
      baseDelayMs: config.UPSTREAM_RETRY_BASE_MS,
      maxDelayMs: 2_000,
    },
    observer: {
      queueDepth: (depth) => metrics.queued.set(depth),
      rejected: () => metrics.queueRejections.inc(),
      health: (replica, healthy) => {
        metrics.upstreamHealthy.set({ replica, model_version: spec.name }, healthy ? 1 : 0);
        reachability.changed(replica, healthy);
      },
      retried: (reason) => metrics.retries.inc({ reason }),
    },
  });
  if (config.UPSTREAM_HEALTH_INTERVAL_MS > 0) client.startHealthChecks(config.UPSTREAM_HEALTH_INTERVAL_MS);
  void reachability.checkAtStart(spec.replicas);
  const deadlines = {
    firstTokenMs: config.UPSTREAM_FIRST_TOKEN_TIMEOUT_MS,
    idleMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
    totalMs: config.UPSTREAM_TOTAL_TIMEOUT_MS,
  };
  const backend = new VllmBackend({
    client,
    modelId: spec.model,
    deadlines,
    observer: upstreamMetrics(metrics, "vllm", spec.name),
    profile,
    structuredOutputMode: config.STRUCTURED_OUTPUT_MODE,
    imageLimits,
    maxTokensCap: config.MAX_TOKENS_CAP,
    load: () => {
      const { available, inFlight } = client.pool.load();
      return {
        slots: available * config.JOB_PAGES_PER_REPLICA,
        reserved: available * config.JOB_RESERVED_SLOTS,
        busy: inFlight,
        waiting: client.pool.queued,
      };
    },
  });
  return { chat: backend, ocr: backend, sampling: { ...profile.sampling } };
}

/** The name of the one version of a gateway without `UPSTREAMS_FILE` (a single `VLLM_URL` pool or the engine). */
export const DEFAULT_VERSION = "default";

/**
 * The model versions: those of `UPSTREAMS_FILE`, else the `VLLM_URL` pool, else the embedded engine, each as
 * a release of one stable version.
 */
async function createRelease(
  config: GatewayConfig,
  tasks: TaskRegistry,
  imageLimits: ImageLimits,
  metrics: GatewayMetrics,
  logger: Logger,
): Promise<ModelRelease> {
  const aliases = [config.MODEL, ...config.MODEL_ALIASES];
  const common = { defaultProfile: config.MODEL_PROFILE, metrics, logger };
  if (config.UPSTREAMS_FILE === undefined && config.VLLM_URL.length === 0) {
    const embedded = await embeddedBackends(config, tasks, logger);
    const sampling = { ...tasks.getProfile(config.MODEL_PROFILE).sampling };
    return new ModelRelease({
      ...common,
      // The served name is the backend's own (`embedded:ppocr-v4` without vLLM): answers never claim a model
      // that did not read them. MODEL stays accepted as an alias, so clients need no change when vLLM is added.
      file: singleVersionRelease(DEFAULT_VERSION, embedded.chat.modelId, []),
      aliases,
      build: () => ({ ...embedded, sampling }),
    });
  }
  const file = config.UPSTREAMS_FILE
    ? readUpstreamsFile(config.UPSTREAMS_FILE)
    : singleVersionRelease(DEFAULT_VERSION, config.MODEL, config.VLLM_URL);
  return new ModelRelease({
    ...common,
    file,
    aliases,
    build: (spec, profile) =>
      vllmVersionBackends(config, spec, tasks.getProfile(profile), imageLimits, metrics, logger),
  });
}

async function embeddedBackends(
  config: GatewayConfig,
  tasks: TaskRegistry,
  logger: Logger,
): Promise<{ chat: ChatBackend; ocr: OcrBackend }> {
  const engine = await createEmbeddedEngine({
    workers: config.EMBEDDED_WORKERS,
    intraOpThreads: config.EMBEDDED_INTRA_OP_THREADS,
    maxQueue: config.EMBEDDED_MAX_QUEUE,
    maxLongSide: config.EMBEDDED_MAX_LONG_SIDE,
  });
  logger.info({ engine: engine.id, loadMs: Math.round(engine.loadMs) }, "embedded OCR engine loaded");
  // The engine crops each page to its content before bounding it (a receipt on an A4 scan keeps its text
  // height), and cuts lines from a finer copy: hand it the resolution it reads from, not the detector's.
  const inputLongSide = Math.round(config.EMBEDDED_MAX_LONG_SIDE * RECOGNITION_LONG_SIDE_FACTOR);
  const limits: ImageLimits = {
    maxInputPixels: config.IMAGE_MAX_INPUT_PIXELS,
    maxLongSide: inputLongSide,
    maxPixels: inputLongSide ** 2,
  };
  return {
    chat: new EmbeddedChatBackend(engine, limits),
    ocr: new EmbeddedOcrBackend(engine, limits, tasks),
  };
}

/** The page orienter `AUTO_ROTATE` asks for; none, with one warning, when its packages are not installed. */
function startOrienter(config: GatewayConfig, logger: Logger): PageOrienter | undefined {
  if (!config.AUTO_ROTATE) return undefined;
  const missing = missingOrientationPackages();
  if (missing.length > 0) {
    logger.warn(
      { missing },
      "AUTO_ROTATE is on but its models are not installed (an install without the embedded engine): pages are read as sent",
    );
    return undefined;
  }
  return createPageOrienter({ workers: config.AUTO_ROTATE_WORKERS });
}

/** Times each page's orientation detection; logs why it failed, once per distinct reason (pages carry a warning). */
function autoRotateHooks(metrics: GatewayMetrics, logger: Logger): AutoRotateHooks {
  let lastReason: string | undefined;
  return {
    detected: (_rotation, seconds) => metrics.preprocessDuration.observe({ kind: "orientation" }, seconds),
    failed: (error) => {
      const reason = error instanceof Error ? error.message : String(error);
      if (reason === lastReason) return;
      lastReason = reason;
      logger.warn({ err: error }, "page orientation detection failed; pages are read as sent");
    },
  };
}

function createAuth(config: GatewayConfig) {
  const keys = [
    ...hashPlainKeys(config.API_KEYS),
    ...(config.API_KEYS_FILE ? readHashedKeyFile(config.API_KEYS_FILE) : []),
  ];
  const verifyJwt = createJwtVerifier({
    secret: config.JWT_SECRET,
    jwksUrl: config.JWT_JWKS_URL,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
  return createAuthenticator(keys, verifyJwt);
}

/** Builds every dependency of the app from the configuration (the composition root). */
export interface BuildOptions {
  /**
   * Start the durable job and batch runtimes (store, workers, webhook deliveries) when `JOBS_ENABLED`: the
   * HTTP server does; one-shot commands (eval, the batch CLI, MCP over stdio) read documents themselves and
   * must neither open `DATA_DIR` nor keep workers alive.
   */
  background?: boolean;
}

export async function buildDependencies(
  config: GatewayConfig,
  logger: Logger,
  { background = true }: BuildOptions = {},
): Promise<AppDependencies> {
  // Every upload is a new image: libvips' operation cache only holds memory (and grows RSS under load).
  sharp.cache(false);
  const tasks = await loadTaskRegistry(
    config.PROMPTS_DIR ? [BUILTIN_PROMPTS_DIR, config.PROMPTS_DIR] : [BUILTIN_PROMPTS_DIR],
  );
  const profile = tasks.getProfile(config.MODEL_PROFILE);
  const imageLimits: ImageLimits = {
    maxInputPixels: config.IMAGE_MAX_INPUT_PIXELS,
    maxLongSide: config.IMAGE_MAX_LONG_SIDE,
    maxPixels: config.IMAGE_MAX_PIXELS,
  };
  const metrics = createGatewayMetrics();
  const release = await createRelease(config, tasks, imageLimits, metrics, logger);
  const chat = releaseChatBackend(release);
  const reader = new VersionedOcrBackend(release);
  const orienter = startOrienter(config, logger);
  const ocr = orienter ? withAutoRotation(reader, orienter, autoRotateHooks(metrics, logger)) : reader;
  const redis = config.REDIS_URL ? connectRedis({ url: config.REDIS_URL, logger }) : undefined;
  redis?.onChange((up) => metrics.redisUp.set(up ? 1 : 0));
  // Start with shared state when Redis answers soon; otherwise serve without it until it does.
  await redis?.waitUntilUp(2_000);
  const deps: AppDependencies = {
    config,
    logger,
    backend: chat,
    ocr,
    tasks,
    fetcher: createRemoteFileFetcher({
      maxBytes: config.FETCH_MAX_BYTES,
      timeoutMs: config.FETCH_TIMEOUT_MS,
      maxRedirects: config.FETCH_MAX_REDIRECTS,
      allowedPrivateHosts: config.FETCH_ALLOWED_PRIVATE_HOSTS,
      acceptedTypes: /^(image\/|application\/pdf$|video\/)/,
    }),
    models: new ModelNames(release.stable.model, release.names),
    release,
    authenticator: createAuth(config),
    pdf:
      config.PDF_RENDER_WORKERS > 0
        ? new PdfRenderPool({
            workers: config.PDF_RENDER_WORKERS,
            pageTimeoutMs: config.PDF_PAGE_TIMEOUT_MS,
            memoryMb: config.PDF_WORKER_MEMORY_MB,
          })
        : { open: openPdf, close: async () => {} },
    rateLimiter:
      config.RATE_LIMIT_PER_MINUTE > 0
        ? new RateLimiter({
            perMinute: config.RATE_LIMIT_PER_MINUTE,
            redis,
            keyPrefix: config.REDIS_KEY_PREFIX,
          })
        : undefined,
    cache: createResultCache(config, {
      redis,
      metrics,
      context: {
        backend: ocr.name,
        model: release.stable.model,
        profile,
        structuredOutputMode: config.STRUCTURED_OUTPUT_MODE,
        autoRotate: orienter !== undefined,
      },
    }),
    redis,
    orienter,
    sampling: release.stable.sampling,
    metrics,
  };
  if (config.UPSTREAMS_FILE && background)
    deps.releaseReloader = watchUpstreamsFile(config.UPSTREAMS_FILE, release, logger);
  if (config.JOBS_ENABLED && background) {
    deps.jobs = await startJobs(deps);
    deps.batches = await startBatchRuntime(config, deps, metrics, logger);
  }
  return deps;
}

/** Stops what `buildDependencies` started, workers first, so nothing keeps the process alive. */
export async function closeDependencies(deps: AppDependencies): Promise<void> {
  await deps.batches?.close();
  await deps.jobs?.close();
  deps.releaseReloader?.close();
  await deps.release.close();
  await deps.orienter?.close();
  await deps.pdf.close();
  await deps.redis?.close();
  await deps.fetcher.close();
}
