import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/**
 * The gateway's Prometheus metrics, in a registry of its own (never prom-client's global one). Names follow
 * Prometheus conventions: `ocr_gateway_` prefix, base units (seconds, bytes), `_total` on counters.
 */
export function createGatewayMetrics() {
  const registry = new Registry();
  // process_resident_memory_bytes, nodejs_heap_size_used_bytes, nodejs_eventloop_lag_seconds, …
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: "ocr_gateway_requests_total",
      help: "HTTP requests answered, by route, method, status, task, backend and model version.",
      labelNames: ["route", "method", "status", "task", "backend", "model_version"] as const,
      registers,
    }),
    clientAborts: new Counter({
      name: "ocr_gateway_client_aborts_total",
      help: "Requests whose client closed the connection before the answer was complete, by route.",
      labelNames: ["route"] as const,
      registers,
    }),
    errors: new Counter({
      name: "ocr_gateway_errors_total",
      help: "Error responses by stable error code and status.",
      labelNames: ["code", "status"] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: "ocr_gateway_request_duration_seconds",
      help: "Time from request to response headers, by route, backend and model version.",
      labelNames: ["route", "backend", "model_version"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    overhead: new Histogram({
      name: "ocr_gateway_overhead_seconds",
      help: "Time the gateway added on top of the model server's own time to answer.",
      labelNames: ["route"] as const,
      buckets: OVERHEAD_BUCKETS,
      registers,
    }),
    upstreamDuration: new Histogram({
      name: "ocr_gateway_upstream_duration_seconds",
      help: "Time of one upstream model call, from send to last byte.",
      labelNames: ["backend", "outcome", "model_version"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: "ocr_gateway_time_to_first_token_seconds",
      help: "Time from sending a streaming upstream request to its first chunk.",
      labelNames: ["backend", "model_version"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    preprocessDuration: new Histogram({
      name: "ocr_gateway_preprocess_duration_seconds",
      help: "Time spent preparing inputs (fetching, decoding, resizing images, rendering PDF pages).",
      labelNames: ["kind"] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    tokens: new Counter({
      name: "ocr_gateway_tokens_total",
      help: "Model tokens, by direction (prompt or completion).",
      labelNames: ["direction", "backend", "model_version"] as const,
      registers,
    }),
    pages: new Counter({
      name: "ocr_gateway_pages_total",
      help: "Pages (images, PDF pages, video frames) processed by /v1/ocr, by task, backend and outcome.",
      labelNames: ["task", "backend", "outcome", "model_version"] as const,
      registers,
    }),
    images: new Counter({
      name: "ocr_gateway_images_total",
      help: "Images received, by source (upload, data_url, remote_url, pdf_page).",
      labelNames: ["source"] as const,
      registers,
    }),
    inFlight: new Gauge({
      name: "ocr_gateway_requests_in_flight",
      help: "Requests being processed.",
      registers,
    }),
    queued: new Gauge({
      name: "ocr_gateway_requests_queued",
      help: "Upstream calls waiting for a free slot.",
      registers,
    }),
    queueRejections: new Counter({
      name: "ocr_gateway_queue_rejections_total",
      help: "Requests refused with 429 because the wait queue was full.",
      registers,
    }),
    retries: new Counter({
      name: "ocr_gateway_upstream_retries_total",
      help: "Upstream attempts retried, by reason.",
      labelNames: ["reason"] as const,
      registers,
    }),
    cacheLookups: new Counter({
      name: "ocr_gateway_cache_lookups_total",
      help: "Result cache lookups per page, by store (memory, redis) and result (hit, miss, bypass).",
      labelNames: ["store", "result"] as const,
      registers,
    }),
    redisUp: new Gauge({
      name: "ocr_gateway_redis_up",
      help: "1 while the shared-state Redis (REDIS_URL) is connected, 0 while the gateway runs without it.",
      registers,
    }),
    upstreamHealthy: new Gauge({
      name: "ocr_gateway_upstream_healthy",
      help: "1 when the replica is in rotation, 0 when ejected, by replica and the model version it serves.",
      labelNames: ["replica", "model_version"] as const,
      registers,
    }),
    modelVersionWeight: new Gauge({
      name: "ocr_gateway_model_version_weight",
      help: "Routing weight a model version has now (0 after a rollback), by version and role (stable, candidate).",
      labelNames: ["model_version", "role"] as const,
      registers,
    }),
    modelVersionRollbacks: new Counter({
      name: "ocr_gateway_model_version_rollbacks_total",
      help: "Automatic rollbacks of a candidate version (weight set to 0), by version and reason (error_rate, loop_rate).",
      labelNames: ["model_version", "reason"] as const,
      registers,
    }),
    modelVersionErrorRate: new Gauge({
      name: "ocr_gateway_model_version_error_rate",
      help: "Share of failed model calls among a version's recent outcomes (the rollback window).",
      labelNames: ["model_version"] as const,
      registers,
    }),
    modelVersionLoopRate: new Gauge({
      name: "ocr_gateway_model_version_loop_rate",
      help: "Share of answers with a repetition loop among a version's recent answers (the rollback window).",
      labelNames: ["model_version"] as const,
      registers,
    }),
    shadowRequests: new Counter({
      name: "ocr_gateway_shadow_requests_total",
      help: "Requests mirrored to a shadow candidate, by version and outcome (compared, failed, skipped_busy).",
      labelNames: ["model_version", "outcome"] as const,
      registers,
    }),
    shadowAgreement: new Histogram({
      name: "ocr_gateway_shadow_agreement_ratio",
      help: "Agreement of a shadow candidate's answer with the answer the client got (1 = identical), by version and kind (text: characters, fields: per key).",
      labelNames: ["model_version", "kind"] as const,
      buckets: [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1],
      registers,
    }),
    jobs: new Gauge({
      name: "ocr_gateway_jobs",
      help: "Jobs in the job store, by status (sampled).",
      labelNames: ["status"] as const,
      registers,
    }),
    jobQueueDepth: new Gauge({
      name: "ocr_gateway_job_units_queued",
      help: "Units of work (pages, batch lines…) not yet settled, by kind (sampled).",
      labelNames: ["kind"] as const,
      registers,
    }),
    jobUnits: new Counter({
      name: "ocr_gateway_job_units_total",
      help: "Units of work settled by this process, by kind and outcome (done, failed, retry); rate() gives pages/s.",
      labelNames: ["kind", "outcome"] as const,
      registers,
    }),
    webhookDeliveries: new Counter({
      name: "ocr_gateway_webhook_deliveries_total",
      help: "Webhook delivery attempts, by outcome (delivered, failed, retrying, gave_up).",
      labelNames: ["outcome"] as const,
      registers,
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
