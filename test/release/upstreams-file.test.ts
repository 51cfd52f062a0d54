import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../gateway/config/load-config.ts";
import { parseUpstreamsFile } from "../../gateway/release/upstreams-file.ts";

const dir = mkdtempSync(path.join(tmpdir(), "upstreams-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const YAML = `
versions:
  - name: v1
    model: hunyuan-ocr-1.0
    replicas: [http://gpu-a:8000/v1, "http://gpu-b:8000/"]
    weight: 95
    role: stable
  - name: v2
    model: hunyuan-ocr-1.5
    profile: hunyuanocr-1.5
    replicas: [http://gpu-c:8000]
    weight: 5
    shadow_percent: 10
rollback:
  min_samples: 20
`;

describe("UPSTREAMS_FILE", () => {
  it("reads YAML, with defaults for what it leaves out", () => {
    const file = parseUpstreamsFile(YAML, "upstreams.yaml");
    expect(file.versions[0]).toMatchObject({
      name: "v1",
      replicas: ["http://gpu-a:8000", "http://gpu-b:8000"],
      role: "stable",
      shadow_percent: 0,
    });
    expect(file.versions[1]).toMatchObject({
      role: "candidate",
      profile: "hunyuanocr-1.5",
      shadow_percent: 10,
    });
    expect(file.rollback).toEqual({
      enabled: true,
      window: 200,
      min_samples: 20,
      error_rate_margin: 0.05,
      loop_rate_margin: 0.05,
    });
    expect(file.shadow.max_concurrency).toBe(4);
  });

  it("reads JSON too", () => {
    const json = JSON.stringify({
      versions: [{ name: "only", model: "m", replicas: ["http://x:1"], weight: 1, role: "stable" }],
    });
    expect(parseUpstreamsFile(json, "u.json").versions).toHaveLength(1);
  });

  it.each([
    [
      "no stable version",
      "versions: [{name: a, model: m, replicas: ['http://x:1'], weight: 1}]",
      /exactly one version must have role: stable/,
    ],
    [
      "two versions with one model name",
      "versions: [{name: a, model: m, replicas: ['http://x:1'], weight: 1, role: stable}, {name: b, model: m, replicas: ['http://y:1']}]",
      /"m" names both version a and version b/,
    ],
    [
      "a replica that is no URL",
      "versions: [{name: a, model: m, replicas: ['gpu:8000'], weight: 1, role: stable}]",
      /replicas\.0: must be an http\(s\) URL/,
    ],
    [
      "an unknown key",
      "versions: [{name: a, model: m, replicas: ['http://x:1'], weight: 1, role: stable, wieght: 3}]",
      /wieght/,
    ],
    [
      "all weights 0",
      "versions: [{name: a, model: m, replicas: ['http://x:1'], role: stable}]",
      /at least one version needs a weight above 0/,
    ],
    [
      "a stable shadow",
      "versions: [{name: a, model: m, replicas: ['http://x:1'], weight: 1, role: stable, shadow_percent: 5}]",
      /only a candidate can be a shadow/,
    ],
    ["broken YAML", "versions: [", /not valid YAML or JSON/],
  ])("refuses %s, saying what to fix", (_case, text, message) => {
    expect(() => parseUpstreamsFile(text, "u.yaml")).toThrow(message);
  });

  it("is validated at start-up like the rest of the configuration", () => {
    const good = write("good.yaml", YAML);
    expect(loadConfig({ UPSTREAMS_FILE: good }).UPSTREAMS_FILE).toBe(good);
    const bad = write("bad.yaml", "versions: []");
    expect(() => loadConfig({ UPSTREAMS_FILE: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ UPSTREAMS_FILE: bad })).toThrow(
      /UPSTREAMS_FILE \(--upstreams-file\):.*bad\.yaml is invalid/s,
    );
    expect(() => loadConfig({ UPSTREAMS_FILE: path.join(dir, "missing.yaml") })).toThrow(/cannot read/);
    expect(() => loadConfig({ UPSTREAMS_FILE: good, VLLM_URL: "http://gpu:8000" })).toThrow(
      /either VLLM_URL \(one pool\) or UPSTREAMS_FILE/,
    );
  });
});

describe("the documented example", () => {
  it("is a valid upstreams file, and the one shown in docs/gray-release.md", async () => {
    const { readFileSync } = await import("node:fs");
    const example = readFileSync("docs/upstreams.example.yaml", "utf8");
    const file = parseUpstreamsFile(example, "docs/upstreams.example.yaml");
    expect(file.versions.map((version) => [version.name, version.role, version.weight])).toEqual([
      ["v1", "stable", 95],
      ["v2", "candidate", 5],
    ]);
    const docs = readFileSync("docs/gray-release.md", "utf8");
    const shown = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? "";
    expect(parseUpstreamsFile(shown, "docs/gray-release.md")).toEqual(file);
  });
});
