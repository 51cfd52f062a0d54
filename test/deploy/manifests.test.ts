import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { IDeployment, IStatefulSet } from "kubernetes-models/apps/v1";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadConfig } from "../../gateway/config/load-config.ts";
import { REPO_ROOT } from "./support/child-processes.ts";
import { type ComposeService, composeSchemaErrors, loadComposeFile } from "./support/compose-file.ts";
import {
  gatewaySeriesNames,
  metricNamesInPromql,
  VLLM_FACTS,
  vllmSeriesNames,
} from "./support/exported-metric-names.ts";
import {
  findManifest,
  loadManifests,
  type Manifest,
  validateManifest,
} from "./support/kubernetes-manifests.ts";

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");

/** `--flag value` / `--flag=value` / `--switch` arguments as a map (switches map to ""). */
function flagMap(args: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] ?? "";
    if (!arg.startsWith("--")) continue;
    const [name = "", inline] = arg.split(/=(.*)/s);
    const next = args[index + 1];
    if (inline !== undefined) flags.set(name, inline);
    else if (next !== undefined && !next.startsWith("--")) flags.set(name, next.replace(/^'(.*)'$/s, "$1"));
    else flags.set(name, "");
  }
  return flags;
}

/** The `vllm serve` flags the HunyuanOCR notes prescribe (their copy in test/deploy/fixtures/vllm-facts.md). */
function prescribedServeFlags(): Map<string, string> {
  const notes = readFileSync(VLLM_FACTS, "utf8");
  const block = /## Serving with vLLM\s+```\n([\s\S]*?)```/.exec(notes)?.[1];
  if (block === undefined) throw new Error("vllm-facts.md: no vllm serve block under '## Serving with vLLM'");
  const flags = flagMap(block.replace(/\\\n/g, " ").trim().split(/\s+/));
  expect(flags.get("--revision")).toMatch(/^[0-9a-f]{40}$/);
  return flags;
}

const MAX_BODY_BYTES = loadConfig({}).MAX_BODY_BYTES;

function nginxBodyLimitBytes(): number {
  const size = /client_max_body_size\s+(\d+)([km]?);/i.exec(
    read("deploy/nginx/snippets/ocr-gateway-proxy.conf"),
  );
  if (size === null) throw new Error("no client_max_body_size in the nginx snippet");
  const unit = { "": 1, k: 1024, m: 1024 * 1024 }[(size[2] ?? "").toLowerCase()] ?? Number.NaN;
  return Number(size[1]) * unit;
}

describe("docker-compose.yml", () => {
  const compose = loadComposeFile();
  const service = (name: string): ComposeService => {
    const found = compose.services[name];
    if (found === undefined) throw new Error(`no service ${name}`);
    return found;
  };

  it("is valid against the Compose Specification schema", () => {
    expect(composeSchemaErrors(compose)).toEqual([]);
  });

  it("serves HunyuanOCR with the prescribed flags, revision pin, a GPU, a health check and a model cache", () => {
    const vllm = service("vllm");
    expect(vllm.image).toMatch(/^vllm\/vllm-openai:v\d/);
    const flags = flagMap(vllm.command ?? []);
    expect(vllm.command?.[0]).toBe("tencent/HunyuanOCR");
    for (const [flag, value] of prescribedServeFlags()) expect(flags.get(flag), flag).toBe(value);
    expect(Number(flags.get("--max-num-seqs"))).toBeGreaterThan(0);
    expect(String(service("gateway").environment?.UPSTREAM_MAX_CONCURRENCY)).toBe(
      flags.get("--max-num-seqs"),
    );
    expect(vllm.deploy?.resources?.reservations?.devices).toEqual([
      { driver: "nvidia", count: 1, capabilities: ["gpu"] },
    ]);
    expect(vllm.healthcheck?.test.join(" ")).toContain(":8000/health");
    expect(vllm.volumes).toContain("hf-cache:/root/.cache/huggingface");
    expect(compose.volumes).toHaveProperty("hf-cache");
  });

  it("starts the gateway once vLLM is healthy, with the same body limit as nginx", () => {
    const gateway = service("gateway");
    expect(gateway.depends_on).toEqual({ vllm: { condition: "service_healthy" } });
    expect(gateway.environment?.VLLM_URL).toBe("http://vllm:8000");
    expect(gateway.build).toMatchObject({
      dockerfile: "deploy/Dockerfile",
      args: { WITH_EMBEDDED_ENGINE: "false" },
    });
    expect(Number(gateway.environment?.MAX_BODY_BYTES)).toBe(MAX_BODY_BYTES);
    expect(nginxBodyLimitBytes()).toBe(MAX_BODY_BYTES);
  });

  it("has a cpu profile that runs the gateway alone on the embedded engine", () => {
    const inCpuProfile = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes("cpu"));
    expect(inCpuProfile.map(([name]) => name)).toEqual(["gateway-cpu"]);
    const cpu = service("gateway-cpu");
    expect(cpu.environment).not.toHaveProperty("VLLM_URL");
    expect(cpu.depends_on).toBeUndefined();
    expect(cpu.build?.args?.WITH_EMBEDDED_ENGINE ?? "true").toBe("true");
    expect(Object.values(compose.services).every((s) => (s.profiles ?? []).length > 0)).toBe(true);
  });

  it("mounts only files that exist, and Grafana finds its dashboards where they are mounted", () => {
    for (const [name, { volumes = [] }] of Object.entries(compose.services)) {
      for (const volume of volumes.filter((entry) => entry.startsWith("./"))) {
        const source = volume.split(":")[0] ?? "";
        expect(existsSync(path.join(REPO_ROOT, source)), `${name}: ${source}`).toBe(true);
      }
    }
    const provider = parseYaml(read("deploy/grafana/provisioning/dashboards/ocr-gateway.yml")) as {
      providers: Array<{ options: { path: string } }>;
    };
    const dashboardsMount = service("grafana").volumes?.find((v) =>
      v.startsWith("./deploy/grafana/dashboards:"),
    );
    expect(dashboardsMount?.split(":")[1]).toBe(provider.providers[0]?.options.path);
    expect(service("prometheus").volumes).toContain("./deploy/prometheus:/etc/prometheus:ro");
  });
});

describe("deploy/Dockerfile", () => {
  const dockerfile = read("deploy/Dockerfile");
  const ignored = read(".dockerignore")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));

  it("copies only files that exist and that .dockerignore lets into the build context", () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(?:--\S+ )*(.+) \S+$/gm)].flatMap((match) =>
      (match[1] ?? "").split(/\s+/),
    );
    expect(sources).toEqual(expect.arrayContaining(["package-lock.json", "gateway", "prompts"]));
    for (const source of sources) {
      expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
      expect(ignored, source).not.toContain(source);
    }
  });

  it("installs production dependencies only, runs as a non-root user and checks /health", () => {
    expect(dockerfile).toMatch(/FROM \$\{NODE_IMAGE\} AS runtime/);
    expect(dockerfile).toMatch(/ARG NODE_IMAGE=node:20-bookworm-slim/);
    expect(dockerfile).toContain("npm ci --omit=dev");
    expect(dockerfile).not.toContain("--omit=optional ");
    expect(dockerfile).toMatch(/^USER (?!0|root)\d+/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/health/m);
    expect(dockerfile).toMatch(/apt-get install[^\n]*ffmpeg/);
    const entry = /^CMD \[.*"([^"]+\.ts)"\]$/m.exec(dockerfile)?.[1] ?? "";
    expect(existsSync(path.join(REPO_ROOT, entry))).toBe(true);
  });

  it("never lets onnxruntime-node's install script fetch CUDA libraries, whatever the npm version", () => {
    // npm 10 runs dependency install scripts and reads the environment; npm >= 11 runs none not in allowScripts.
    expect(dockerfile).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    expect(read(".ci/run")).toMatch(/ONNXRUNTIME_NODE_INSTALL=skip/);
    const manifest = JSON.parse(read("package.json")) as { allowScripts?: Record<string, boolean> };
    expect(manifest.allowScripts?.["onnxruntime-node"]).toBe(false);
    expect(existsSync(path.join(REPO_ROOT, ".npmrc"))).toBe(false);
  });
});

describe("deploy/k8s", () => {
  const manifests = loadManifests(["gateway-secret.example.yaml"]);
  const podLabels = (workload: Manifest) =>
    (workload.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
      .labels;
  const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(selector).every(([key, value]) => labels[key] === value);

  it.each(manifests.map((manifest) => [`${manifest.kind} ${manifest.metadata.name}`, manifest]))(
    "%s is valid against the Kubernetes schema",
    (_name, manifest) => {
      expect(() => validateManifest(manifest)).not.toThrow();
    },
  );

  it("runs vLLM replicas on one GPU each with probes, a model cache and the prescribed flags", () => {
    const vllm = findManifest(manifests, "StatefulSet", "vllm");
    const spec = (vllm as unknown as IStatefulSet).spec;
    const container = spec?.template.spec?.containers[0];
    expect(container?.resources?.limits?.["nvidia.com/gpu"]).toBe(1);
    for (const probe of [container?.startupProbe, container?.readinessProbe, container?.livenessProbe]) {
      expect(probe?.httpGet?.path).toBe("/health");
    }
    const flags = flagMap(container?.args ?? []);
    for (const [flag, value] of prescribedServeFlags()) expect(flags.get(flag), flag).toBe(value);
    expect(container?.volumeMounts?.map((mount) => mount.name)).toContain(
      spec?.volumeClaimTemplates?.[0]?.metadata?.name,
    );

    const serviceName = spec?.serviceName ?? "";
    const headless = findManifest(manifests, "Service", serviceName);
    expect(headless.spec?.clusterIP).toBe("None");
    expect(matches(headless.spec?.selector as Record<string, string>, podLabels(vllm))).toBe(true);

    const urls = findManifest(manifests, "ConfigMap", "ocr-gateway").data?.VLLM_URL?.split(",");
    const expected = Array.from(
      { length: spec?.replicas ?? 0 },
      (_, i) => `http://vllm-${i}.${serviceName}:8000`,
    );
    expect(urls).toEqual(expected);
    const settings = loadConfig(findManifest(manifests, "ConfigMap", "ocr-gateway").data ?? {});
    expect(settings.VLLM_URL).toEqual(expected);
    expect(settings.UPSTREAM_MAX_CONCURRENCY).toBe(Number(flags.get("--max-num-seqs")));
  });

  it("runs the gateway non-root with probes on /ready and /health, requests and a graceful stop", () => {
    const gateway = findManifest(manifests, "Deployment", "ocr-gateway");
    const pod = (gateway as unknown as IDeployment).spec?.template.spec;
    const container = pod?.containers[0];
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    expect(pod?.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(container?.readinessProbe?.httpGet?.path).toBe("/ready");
    expect(container?.livenessProbe?.httpGet?.path).toBe("/health");
    expect(Object.keys(container?.resources?.requests ?? {}).sort()).toEqual(["cpu", "memory"]);
    expect(container?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(container?.volumeMounts?.map((mount) => mount.mountPath)).toContain("/tmp");

    const configMap = findManifest(manifests, "ConfigMap", "ocr-gateway");
    expect(container?.envFrom?.map((source) => source.configMapRef?.name ?? source.secretRef?.name)).toEqual([
      configMap.metadata.name,
      findManifest(manifests, "Secret", "ocr-gateway-secrets").metadata.name,
    ]);
    const settings = loadConfig(configMap.data ?? {});
    expect((pod?.terminationGracePeriodSeconds ?? 0) * 1000).toBeGreaterThan(settings.SHUTDOWN_GRACE_MS);
    expect(settings.MAX_BODY_BYTES).toBe(MAX_BODY_BYTES);
  });

  it("points Services, the HPA, PDBs and the Ingress at workloads that exist", () => {
    const workloads = manifests.filter((m) => m.kind === "Deployment" || m.kind === "StatefulSet");
    for (const service of manifests.filter((m) => m.kind === "Service")) {
      const selector = service.spec?.selector as Record<string, string>;
      expect(
        workloads.some((w) => matches(selector, podLabels(w))),
        service.metadata.name,
      ).toBe(true);
    }
    for (const budget of manifests.filter((m) => m.kind === "PodDisruptionBudget")) {
      const selector = (budget.spec?.selector as { matchLabels?: Record<string, string> } | undefined)
        ?.matchLabels ?? { missing: "selector" };
      expect(
        workloads.some((w) => matches(selector, podLabels(w))),
        budget.metadata.name,
      ).toBe(true);
    }
    const hpa = findManifest(manifests, "HorizontalPodAutoscaler", "ocr-gateway");
    const target = hpa.spec?.scaleTargetRef as { kind: string; name: string };
    expect(findManifest(manifests, target.kind, target.name)).toBeDefined();
    const ingress = findManifest(manifests, "Ingress", "ocr-gateway");
    expect(ingress.metadata).toMatchObject({
      annotations: {
        "nginx.ingress.kubernetes.io/proxy-body-size": "50m",
        "nginx.ingress.kubernetes.io/proxy-buffering": "off",
      },
    });
    expect(JSON.stringify(ingress.spec)).toContain('"name":"ocr-gateway"');
  });
});

describe("metric names in the Grafana dashboard and alert rules", () => {
  let exported: Set<string>;
  beforeAll(async () => {
    exported = new Set([...(await gatewaySeriesNames()), ...vllmSeriesNames()]);
  });

  it("the dashboard queries only metrics the gateway or vLLM export, through the provisioned datasource", () => {
    const dashboard = JSON.parse(read("deploy/grafana/dashboards/ocr-gateway.json")) as {
      uid: string;
      panels: Array<{
        id: number;
        type: string;
        title: string;
        datasource: { uid: string };
        targets: Array<{ expr: string }>;
      }>;
    };
    const datasource = parseYaml(read("deploy/grafana/provisioning/datasources/prometheus.yml")) as {
      datasources: Array<{ uid: string; url: string }>;
    };
    const used = new Set<string>();
    // Rows only group the panels below them: they query nothing.
    for (const panel of dashboard.panels.filter(({ type }) => type !== "row")) {
      expect(panel.datasource.uid, panel.title).toBe(datasource.datasources[0]?.uid);
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const names = metricNamesInPromql(expr);
        expect(names.length, expr).toBeGreaterThan(0);
        for (const name of names) {
          expect(exported.has(name), `${panel.title}: ${name}`).toBe(true);
          used.add(name.replace(/_(bucket|sum|count)$/, ""));
        }
      }
    }
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    expect([...used]).toEqual(
      expect.arrayContaining([
        "ocr_gateway_requests_total",
        "ocr_gateway_request_duration_seconds",
        "ocr_gateway_time_to_first_token_seconds",
        "ocr_gateway_tokens_total",
        "ocr_gateway_requests_queued",
        "ocr_gateway_errors_total",
        "ocr_gateway_model_version_weight",
        "ocr_gateway_model_version_rollbacks_total",
        "ocr_gateway_shadow_agreement_ratio",
        "vllm:kv_cache_usage_perc",
        "vllm:num_requests_running",
        "vllm:num_requests_waiting",
      ]),
    );
  });

  it("alert rules query only exported metrics, `up` and their own recording rules", () => {
    const recorded = new Set<string>();
    const expressions: string[] = [];
    for (const file of ["ocr-gateway.yml", "vllm.yml"]) {
      const rules = parseYaml(read(`deploy/prometheus/rules/${file}`)) as {
        groups: Array<{ rules: Array<{ record?: string; expr: string }> }>;
      };
      for (const rule of rules.groups.flatMap((group) => group.rules)) {
        if (rule.record !== undefined) recorded.add(rule.record);
        expressions.push(rule.expr);
      }
    }
    for (const expr of expressions) {
      for (const name of metricNamesInPromql(expr)) {
        expect(exported.has(name) || recorded.has(name) || name === "up", `${name} in ${expr}`).toBe(true);
      }
    }
  });
});
