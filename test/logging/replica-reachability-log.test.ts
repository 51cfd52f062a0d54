import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../bench/lib/child-service.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A replica whose `/health` answers `status.code` (the test flips it); nothing else is asked of it here. */
async function flippableReplica(): Promise<{ url: string; status: { code: number } }> {
  const status = { code: 200 };
  const server: Server = createServer((_request, response) => response.writeHead(status.code).end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, status };
}

async function gatewayWith(env: Record<string, string>): Promise<RunningGateway> {
  const gateway = await startGateway(env);
  cleanups.push(() => gateway.close());
  return gateway;
}

/** Waits (generously) for a log line with this message about this replica. */
async function logLine(
  gateway: RunningGateway,
  msg: string,
  replica: string,
): Promise<Record<string, unknown>> {
  for (let waited = 0; waited < 20_000; waited += 50) {
    const line = gateway.logs.find((entry) => entry.msg === msg && entry.replica === replica);
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no "${msg}" line for ${replica} in:\n${gateway.rawLogs()}`);
}

describe("vLLM replica reachability in the log", () => {
  it("says at start which replicas answer and why the others do not", async () => {
    const emulator = await VllmEmulator.start();
    cleanups.push(() => emulator.close());
    const closed = `http://127.0.0.1:${await freePort()}`;
    const gateway = await gatewayWith({
      VLLM_URL: `${emulator.url},${closed}`,
      UPSTREAM_HEALTH_INTERVAL_MS: "0",
    });

    const up = await logLine(gateway, "vLLM replica reachable", emulator.url);
    expect(up).toMatchObject({ level: 30, reason: "GET /health answered 200" });
    const down = await logLine(gateway, "vLLM replica unreachable", closed);
    expect(down.level).toBe(40);
    expect(down.reason).toMatch(/^GET \/health failed: connection refused/);
  });

  it("logs each replica's move out of rotation and back, with the reason, once per change", async () => {
    const replica = await flippableReplica();
    const gateway = await gatewayWith({ VLLM_URL: replica.url, UPSTREAM_HEALTH_INTERVAL_MS: "100" });
    await logLine(gateway, "vLLM replica reachable", replica.url);

    replica.status.code = 503;
    const out = await logLine(gateway, "vLLM replica out of rotation", replica.url);
    expect(out).toMatchObject({ level: 40, reason: "GET /health answered 503" });

    replica.status.code = 200;
    await logLine(gateway, "vLLM replica back in rotation", replica.url);
    // Several checks ran while it was down: still one line per change.
    const about = gateway.logs.filter((entry) => entry.replica === replica.url).map((entry) => entry.msg);
    expect(about).toEqual([
      "vLLM replica reachable",
      "vLLM replica out of rotation",
      "vLLM replica back in rotation",
    ]);
  });
});
