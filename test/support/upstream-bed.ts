import OpenAI from "openai";
import { afterEach } from "vitest";
import { type RunningGateway, startGateway } from "./gateway-harness.ts";
import { type EmulatorOptions, VllmEmulator } from "./vllm-emulator/index.ts";

/**
 * Emulators and gateways started inside a test, closed after it (registers an `afterEach`): for tests that
 * need a different set of replicas per case.
 */
export function useUpstreamBed() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return {
    async emulator(options: EmulatorOptions = {}): Promise<VllmEmulator> {
      const started = await VllmEmulator.start(options);
      cleanups.push(() => started.close());
      return started;
    },
    /** A gateway without active health checks (passive detection only) and fast retries, with an SDK client. */
    async gateway(env: Record<string, string>): Promise<{ gw: RunningGateway; client: OpenAI }> {
      const gw = await startGateway({
        UPSTREAM_HEALTH_INTERVAL_MS: "0",
        UPSTREAM_RETRY_BASE_MS: "10",
        ...env,
      });
      cleanups.push(() => gw.close());
      return {
        gw,
        client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 10_000 }),
      };
    },
  };
}

/** The value of the first `/metrics` line matching `line`, or undefined. */
export async function metricValue(gw: RunningGateway, line: RegExp): Promise<number | undefined> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const match = text.split("\n").find((row) => line.test(row));
  return match === undefined ? undefined : Number(match.split(" ").at(-1));
}
