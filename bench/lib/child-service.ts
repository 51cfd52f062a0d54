import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/** A free loopback port (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface ChildService {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `npx tsx <script> ...args` and waits until `GET <url><healthPath>` answers 200. */
export async function startChildService(
  script: string,
  args: string[],
  port: number,
  env: Record<string, string> = {},
  healthPath = "/health",
): Promise<ChildService> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}${healthPath}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${script} did not become healthy`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** The vLLM emulator and a gateway in front of it, each in its own process (as in production). */
export async function startEmulatorAndGateway(
  gatewayEnv: Record<string, string> = {},
  /** Emulator flags after the defaults (a later `--max-num-seqs` wins), e.g. latency settings. */
  emulatorArgs: string[] = [],
): Promise<{ emulator: ChildService; gateway: ChildService; stop(): Promise<void> }> {
  const emulatorPort = await freePort();
  const gatewayPort = await freePort();
  const emulator = await startChildService(
    "test/support/vllm-emulator/cli.ts",
    ["--port", String(emulatorPort), "--max-num-seqs", "256", ...emulatorArgs],
    emulatorPort,
  );
  const gateway = await startChildService(
    "gateway/server.ts",
    ["--port", String(gatewayPort), "--host", "127.0.0.1"],
    gatewayPort,
    { VLLM_URL: emulator.url, LOG_LEVEL: "warn", ...gatewayEnv },
  );
  return {
    emulator,
    gateway,
    async stop() {
      await gateway.stop();
      await emulator.stop();
    },
  };
}
