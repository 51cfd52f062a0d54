import { Counter, Gauge, Histogram, Registry } from "prom-client";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/** The gateway's Prometheus metrics, in a registry of its own (never prom-client's global one). */
export function createGatewayMetrics() {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({
      name: "ocr_gateway_requests_total",
      help: "HTTP requests answered, by route, status, task and backend.",
      labelNames: ["route", "method", "status", "task", "backend"] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: "ocr_gateway_request_duration_seconds",
      help: "Time from request to response headers, by route.",
      labelNames: ["route", "backend"] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    overhead: new Histogram({
      name: "ocr_gateway_overhead_seconds",
      help: "Time the gateway added on top of the model server's own time to answer.",
      labelNames: ["route"] as const,
      buckets: OVERHEAD_BUCKETS,
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: "ocr_gateway_requests_in_flight",
      help: "Requests being processed.",
      registers: [registry],
    }),
  };
}

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
