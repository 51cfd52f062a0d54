import type { Server } from "node:http";
import { pathToFileURL } from "node:url";
import { serve } from "@hono/node-server";
import { createApp } from "./app.ts";
import { closeDependencies } from "./compose.ts";
import { startDependencies } from "./startup.ts";

/** Stops accepting connections, lets in-flight requests finish until the grace period ends, then cuts them. */
function shutdownGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const deadline = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, graceMs);
    deadline.unref();
    server.close(() => {
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Why `listen` failed, in one line that says what to change. */
function describeListenError(error: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `${host}:${port}`;
  if (error.code === "EADDRINUSE") {
    return `cannot listen on ${where}: the port is already in use (vLLM also defaults to 8000); set PORT or --port to a free one`;
  }
  if (error.code === "EACCES") {
    return `cannot listen on ${where}: permission denied (ports below 1024 need privileges); set PORT or --port`;
  }
  if (error.code === "EADDRNOTAVAIL") {
    return `cannot listen on ${where}: ${host} is not an address of this machine; set HOST or --host`;
  }
  return `cannot listen on ${where}: ${error.message}`;
}

/** Starts the gateway from the environment and `--flag` overrides, until SIGTERM/SIGINT. */
export async function runServer(argv: readonly string[]): Promise<void> {
  const { config, logger, deps } = await startDependencies(argv, process.stdout, "ocr-gateway");
  const app = createApp(deps);
  if (deps.authenticator.open) {
    logger.warn(
      "AUTHENTICATION IS OFF: every /v1 route is open to anyone who can reach this port. Set API_KEYS, API_KEYS_FILE, JWT_SECRET or JWT_JWKS_URL.",
    );
  }
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    logger.info(
      { port: info.port, backend: deps.backend.name, model: config.MODEL },
      "ocr gateway listening",
    );
  }) as Server;
  server.once("error", (error: NodeJS.ErrnoException) => {
    logger.fatal({ code: error.code }, "cannot listen");
    process.stderr.write(`ocr-gateway: ${describeListenError(error, config.HOST, config.PORT)}\n`);
    process.exit(1);
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await shutdownGracefully(server, config.SHUTDOWN_GRACE_MS);
    await closeDependencies(deps);
    process.exit(0);
  };
  // New weights without a restart: `kill -HUP` reads UPSTREAMS_FILE again (it is also watched).
  const reloader = deps.releaseReloader;
  if (reloader) process.on("SIGHUP", () => reloader.reload("SIGHUP"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runServer(process.argv.slice(2));
}
