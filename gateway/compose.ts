import type { Logger } from "pino";
import type { ChatBackend } from "./backends/backend.ts";
import { VllmBackend } from "./backends/vllm-backend.ts";
import type { SamplingDefaults } from "./chat/apply-model-defaults.ts";
import { ModelNames } from "./chat/model-names.ts";
import type { GatewayConfig } from "./config/schema.ts";
import type { AppDependencies } from "./http/request-context.ts";
import { createGatewayMetrics } from "./metrics/gateway-metrics.ts";
import { VllmClient } from "./upstream/vllm-client.ts";

const PROFILE_SAMPLING: Record<string, SamplingDefaults> = {
  "hunyuanocr-1.0": { temperature: 0, top_p: 0.95, top_k: 1, repetition_penalty: 1.0, seed: 1234 },
  "hunyuanocr-1.5": { temperature: 0, top_p: 1.0, top_k: -1, repetition_penalty: 1.08 },
};

function createBackend(config: GatewayConfig): ChatBackend {
  if (config.VLLM_URL.length === 0) {
    throw new Error("No VLLM_URL configured and the embedded engine is not available in this build.");
  }
  const client = new VllmClient({
    urls: config.VLLM_URL,
    apiKey: config.VLLM_API_KEY,
    connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    keepAliveMs: config.UPSTREAM_KEEPALIVE_MS,
    connections: config.UPSTREAM_CONNECTIONS,
  });
  return new VllmBackend({
    client,
    modelId: config.MODEL,
    deadlines: {
      firstTokenMs: config.UPSTREAM_FIRST_TOKEN_TIMEOUT_MS,
      idleMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
      totalMs: config.UPSTREAM_TOTAL_TIMEOUT_MS,
    },
  });
}

/** Builds every dependency of the app from the configuration (the composition root). */
export async function buildDependencies(config: GatewayConfig, logger: Logger): Promise<AppDependencies> {
  const sampling = PROFILE_SAMPLING[config.MODEL_PROFILE];
  if (!sampling) throw new Error(`MODEL_PROFILE: unknown profile "${config.MODEL_PROFILE}"`);
  return {
    config,
    logger,
    backend: createBackend(config),
    models: new ModelNames(config.MODEL, config.MODEL_ALIASES),
    sampling,
    metrics: createGatewayMetrics(),
  };
}
