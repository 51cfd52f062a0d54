import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { freePort, REPO_ROOT, type SpawnedProcess, spawnService, waitUntil } from "./child-processes.ts";

const PROMETHEUS_DIR = path.join(REPO_ROOT, "deploy/prometheus");

interface ScrapeConfig {
  job_name: string;
  static_configs?: Array<{ targets: string[] }>;
  [key: string]: unknown;
}

interface PrometheusConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs: ScrapeConfig[];
}

/**
 * The project's prometheus.yml with each job's targets replaced (`targets[job]` = "127.0.0.1:port"), a 1 s
 * scrape and evaluation interval, and rule files resolved against deploy/prometheus. Fails when a job named in
 * `targets` is missing from the project file.
 */
export function buildPrometheusTestConfig(targets: Record<string, string>): string {
  const config = parse(readFileSync(path.join(PROMETHEUS_DIR, "prometheus.yml"), "utf8")) as PrometheusConfig;
  config.global = { ...config.global, scrape_interval: "1s", evaluation_interval: "1s" };
  config.rule_files = (config.rule_files ?? []).map((file) => path.resolve(PROMETHEUS_DIR, file));
  for (const [job, target] of Object.entries(targets)) {
    const scrape = config.scrape_configs.find((candidate) => candidate.job_name === job);
    if (scrape === undefined) throw new Error(`deploy/prometheus/prometheus.yml has no job ${job}`);
    scrape.static_configs = [{ targets: [target] }];
  }
  return stringify(config);
}

export interface RunningPrometheus {
  url: string;
  process: SpawnedProcess;
  /** Runs an instant query and returns its result vector. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
}

/** Starts the `prometheus` binary on a free loopback port with `configText`, storing its data under `dir`. */
export async function startPrometheus(
  binary: string,
  dir: string,
  configText: string,
): Promise<RunningPrometheus> {
  const configFile = path.join(dir, "prometheus.yml");
  writeFileSync(configFile, configText);
  mkdirSync(path.join(dir, "data"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnService(binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn",
  ]);
  await waitUntil("prometheus", async () => (await fetch(`${url}/-/ready`)).ok, server, 20_000);
  return {
    url,
    process: server,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const answer = (await response.json()) as {
        status: string;
        data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
        error?: string;
      };
      if (answer.status !== "success" || answer.data === undefined) {
        throw new Error(`query ${promql} failed: ${answer.error ?? response.status}`);
      }
      return answer.data.result;
    },
  };
}
