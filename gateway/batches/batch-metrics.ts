import { Counter, type Registry } from "prom-client";

/** Batch and webhook counters, registered in the app's own registry (served on /metrics). */
export function createBatchMetrics(registry: Registry) {
  const registers = [registry];
  return {
    lines: new Counter({
      name: "ocr_gateway_batch_lines_total",
      help: "Batch lines run by this replica, by outcome (completed, failed, retried).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    webhooks: new Counter({
      name: "ocr_gateway_webhook_deliveries_total",
      help: "Webhook delivery attempts, by outcome (delivered, retrying, failed).",
      labelNames: ["outcome"] as const,
      registers,
    }),
  };
}
