import { freePort, type SpawnedProcess, spawnService } from "../deploy/support/child-processes.ts";

export interface ChildGateway {
  url: string;
  process: SpawnedProcess;
}

/** A gateway in its own process (so it can be killed with SIGKILL), healthy before this resolves. */
export async function startChildGateway(env: Record<string, string>): Promise<ChildGateway> {
  const port = await freePort();
  const child = spawnService(
    process.execPath,
    ["--import", "tsx", "gateway/server.ts", "--port", String(port), "--host", "127.0.0.1"],
    env,
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.child.exitCode !== null) throw new Error(`gateway exited: ${child.output()}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, process: child };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${child.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** SIGKILL: no shutdown hook runs, leases are left to lapse. */
export function killHard(gateway: ChildGateway): Promise<void> {
  return new Promise((resolve) => {
    gateway.process.child.once("exit", () => resolve());
    gateway.process.child.kill("SIGKILL");
  });
}
