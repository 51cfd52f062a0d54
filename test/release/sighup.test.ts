import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { type GatewayProcess, startGatewayProcess } from "../support/gateway-process.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

const dir = mkdtempSync(path.join(tmpdir(), "sighup-"));
const started: Array<{ close(): Promise<void> } | GatewayProcess> = [];
afterAll(async () => {
  for (const item of started.reverse()) await ("stop" in item ? item.stop() : item.close());
  rmSync(dir, { recursive: true, force: true });
});

async function weights(url: string): Promise<number[]> {
  const list = (await (await fetch(`${url}/v1/models`)).json()) as { versions: Array<{ weight: number }> };
  return list.versions.map((version) => version.weight);
}

describe("SIGHUP", () => {
  it("re-reads UPSTREAMS_FILE in a running gateway process, which keeps running", async () => {
    const v1 = await VllmEmulator.start({ servedModelNames: ["hunyuan-v1"] });
    const v2 = await VllmEmulator.start({ servedModelNames: ["hunyuan-v2"] });
    started.push(v1, v2);
    // The file is reached through a link in another folder: editing it there is not seen by the watcher
    // (it watches the link's folder), so only the signal can apply it.
    mkdirSync(path.join(dir, "real"));
    mkdirSync(path.join(dir, "linked"));
    const real = path.join(dir, "real", "upstreams.yaml");
    const write = (w1: number, w2: number) =>
      writeFileSync(
        real,
        toYaml({
          versions: [
            { name: "v1", model: "hunyuan-v1", replicas: [v1.url], weight: w1, role: "stable" },
            { name: "v2", model: "hunyuan-v2", replicas: [v2.url], weight: w2 },
          ],
        }),
      );
    write(9, 1);
    const link = path.join(dir, "linked", "upstreams.yaml");
    symlinkSync(real, link);
    const gateway = await startGatewayProcess({ UPSTREAMS_FILE: link, UPSTREAM_HEALTH_INTERVAL_MS: "0" });
    started.push(gateway);
    expect(await weights(gateway.url)).toEqual([9, 1]);

    write(1, 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await weights(gateway.url)).toEqual([9, 1]);

    gateway.child.kill("SIGHUP");
    const until = Date.now() + 10_000;
    while ((await weights(gateway.url))[0] !== 1 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await weights(gateway.url)).toEqual([1, 1]);
    expect(gateway.child.exitCode).toBeNull();
  }, 60_000);
});
