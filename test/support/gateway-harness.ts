import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { type ServerType, serve } from "@hono/node-server";
import { createApp } from "../../gateway/app.ts";
import { buildDependencies, closeDependencies } from "../../gateway/compose.ts";
import { loadConfig } from "../../gateway/config/load-config.ts";
import type { AppDependencies } from "../../gateway/http/request-context.ts";
import { createLogger } from "../../gateway/logging/logger.ts";

export interface RunningGateway {
  url: string;
  deps: AppDependencies;
  /** Every log line the gateway wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  /** The raw log text (to assert nothing secret was written). */
  rawLogs(): string;
  close(): Promise<void>;
}

/**
 * Starts the real gateway on 127.0.0.1:0 with the given settings (as environment variables). The result cache
 * is off unless `env` turns it on: tests send the same receipt again and again and expect it read each time.
 * Auto-rotation is off too unless `env` turns it on (`test/routes/auto-rotate.test.ts` does): it would load its
 * models in every gateway and add a detection to every page of every test.
 */
export async function startGateway(env: Record<string, string>): Promise<RunningGateway> {
  // Each gateway gets its own embedded job store unless the test chose one.
  const dataDir = env.DATA_DIR ? undefined : mkdtempSync(path.join(tmpdir(), "gateway-data-"));
  const config = loadConfig({
    LOG_LEVEL: "debug",
    CACHE: "off",
    AUTO_ROTATE: "off",
    ...(dataDir ? { DATA_DIR: dataDir } : {}),
    ...env,
  });
  let raw = "";
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      const text = chunk.toString();
      raw += text;
      for (const line of text.split("\n")) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const deps = await buildDependencies(config, createLogger(config.LOG_LEVEL, sink));
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deps,
    logs,
    rawLogs: () => raw,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      await closeDependencies(deps);
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
