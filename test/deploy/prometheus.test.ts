import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { lacks, requireCommand } from "../support/system-tools.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";
import { REPO_ROOT } from "./support/child-processes.ts";
import {
  buildPrometheusTestConfig,
  type RunningPrometheus,
  startPrometheus,
} from "./support/prometheus-server.ts";

const PROMETHEUS_DIR = path.join(REPO_ROOT, "deploy/prometheus");

/** Runs promtool in deploy/prometheus; returns its output, or throws with it when it exits non-zero. */
function promtool(...args: string[]): string {
  try {
    return execFileSync("promtool", args, { cwd: PROMETHEUS_DIR, encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(" ")} failed:\n${failed.stdout ?? ""}${failed.stderr ?? ""}`);
  }
}

describe.skipIf(lacks("promtool"))("Prometheus configuration", () => {
  beforeAll(() => {
    requireCommand("promtool", "promtool");
  });

  it("is a valid config that loads both rule files", () => {
    const output = promtool("check", "config", "prometheus.yml");
    expect(output).toContain("SUCCESS: 2 rule files found");
  });

  it("has valid alert rules", () => {
    const output = promtool("check", "rules", "rules/ocr-gateway.yml", "rules/vllm.yml");
    expect(output).not.toContain("FAILED");
  });

  it("fires the alerts as the rule unit tests expect", () => {
    expect(promtool("test", "rules", "rules-tests/alerts.test.yml")).toContain("SUCCESS");
  });
});

describe.skipIf(lacks("prometheus"))("a real Prometheus scraping a real gateway", () => {
  let emulator: VllmEmulator;
  let gateway: RunningGateway;
  let prometheus: RunningPrometheus | undefined;
  let dir: string;

  beforeAll(async () => {
    const binary = requireCommand("prometheus", "prometheus");
    dir = mkdtempSync(path.join(tmpdir(), "ocr-prometheus-"));
    emulator = await VllmEmulator.start();
    gateway = await startGateway({ VLLM_URL: emulator.url, LOG_LEVEL: "silent" });
    const config = buildPrometheusTestConfig({
      "ocr-gateway": new URL(gateway.url).host,
      vllm: new URL(emulator.url).host,
    });
    prometheus = await startPrometheus(binary, dir, config);
  });

  afterAll(async () => {
    await prometheus?.process.stop();
    await gateway?.close();
    await emulator?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("scrapes ocr_gateway_ and vllm: series with the project's job names and loads its rules", async () => {
    const server = prometheus as RunningPrometheus;
    await fetch(`${gateway.url}/health`);
    const deadline = Date.now() + 15_000;
    let upJobs: string[] = [];
    let gatewaySeries = 0;
    let vllmSeries = 0;
    while (Date.now() < deadline) {
      upJobs = (await server.query("up == 1")).map((sample) => sample.metric.job ?? "").sort();
      gatewaySeries = (await server.query('count({__name__=~"ocr_gateway_.+", job="ocr-gateway"})')).length;
      vllmSeries = (await server.query('count({__name__=~"vllm:.+", job="vllm"})')).length;
      if (upJobs.length === 2 && gatewaySeries > 0 && vllmSeries > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    expect(upJobs).toEqual(["ocr-gateway", "vllm"]);
    expect(gatewaySeries).toBe(1);
    expect(vllmSeries).toBe(1);
    const requests = await server.query('ocr_gateway_requests_total{job="ocr-gateway", route="/health"}');
    expect(Number(requests[0]?.value[1])).toBeGreaterThanOrEqual(1);

    const rules = (await (await fetch(`${server.url}/api/v1/rules`)).json()) as {
      data: { groups: Array<{ name: string; rules: Array<{ name: string; health: string }> }> };
    };
    const loaded = rules.data.groups.flatMap((group) => group.rules);
    expect(rules.data.groups.map((group) => group.name).sort()).toEqual(["ocr-gateway", "vllm"]);
    expect(loaded.filter((rule) => rule.health === "err")).toEqual([]);
  });
});
