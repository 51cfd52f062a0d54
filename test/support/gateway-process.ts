import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "../../bench/lib/child-service.ts";

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** `kill -9`: no shutdown hook runs, leases stay held until they lapse. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts `gateway/server.ts` as its own process (as `npm start` does) and waits for `/health`. */
export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "gateway/server.ts", "--port", String(port), "--host", "127.0.0.1"],
    { env: { ...process.env, LOG_LEVEL: "warn", ...env }, stdio: "ignore" },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 600; attempt++) {
    const up = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) {
      return {
        url,
        child,
        async kill() {
          child.kill("SIGKILL");
          await exited(child);
        },
        async stop() {
          child.kill("SIGTERM");
          await exited(child);
        },
      };
    }
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill("SIGKILL");
  throw new Error("gateway did not start");
}
