import pino from "pino";
import { describe, expect, it } from "vitest";
import type { ChatBackend } from "../../gateway/backends/backend.ts";
import { createGatewayMetrics } from "../../gateway/metrics/gateway-metrics.ts";
import type { OcrBackend } from "../../gateway/ocr/ocr-backend.ts";
import { ModelRelease } from "../../gateway/release/model-release.ts";
import { parseUpstreamsFile } from "../../gateway/release/upstreams-file.ts";

const file = (
  w1: number,
  w2: number,
  roles: [string, string] = ["stable", "candidate"],
  replica = "http://b:1",
) =>
  parseUpstreamsFile(
    JSON.stringify({
      versions: [
        { name: "v1", model: "m1", replicas: ["http://a:1"], weight: w1, role: roles[0] },
        { name: "v2", model: "m2", replicas: [replica], weight: w2, role: roles[1] },
      ],
      rollback: { window: 10, min_samples: 5, error_rate_margin: 0.1, loop_rate_margin: 0.1 },
    }),
    "test",
  );

/** A release over backends that are never called: these tests are about routing state only. */
function release(w1 = 50, w2 = 50) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const backends = { chat: { close: async () => {} } as ChatBackend, ocr: {} as OcrBackend, sampling: {} };
  const metrics = createGatewayMetrics();
  const built = new ModelRelease({
    file: file(w1, w2),
    defaultProfile: "hunyuanocr-1.0",
    build: () => backends,
    aliases: ["hunyuan-ocr"],
    metrics,
    logger,
  });
  return { release: built, lines, metrics };
}

describe("ModelRelease", () => {
  it("rolls a candidate back only once both sides have enough samples and the margin is exceeded", () => {
    const { release: r, lines } = release();
    const [v1, v2] = r.versions as [NonNullable<(typeof r.versions)[0]>, NonNullable<(typeof r.versions)[0]>];
    for (let i = 0; i < 5; i++) r.record(v2, { error: true });
    expect(v2.weight).toBe(50);
    for (let i = 0; i < 4; i++) r.record(v1, { error: false });
    r.record(v2, { error: true });
    expect(v2.weight).toBe(50);
    r.record(v1, { error: false });
    r.record(v2, { error: true });
    expect(v2).toMatchObject({ weight: 0, rolledBack: { reason: "error_rate" } });
    expect(lines.find((line) => line.level === 40)).toMatchObject({
      modelVersion: "v2",
      reason: "error_rate",
    });
    expect(r.shadowsFor(v1)).toEqual([]);
  });

  it("keeps a rolled-back candidate at 0 through reloads until the file gives it a new weight", () => {
    const { release: r } = release();
    const v2 = r.versions[1] as NonNullable<(typeof r.versions)[1]>;
    for (let i = 0; i < 6; i++) {
      r.record(r.stable, { loop: false });
      r.record(v2, { loop: true });
    }
    expect(v2.weight).toBe(0);
    r.apply(file(50, 50));
    expect(v2.weight).toBe(0);
    r.apply(file(90, 10));
    expect(v2.weight).toBe(10);
    expect(v2.rolledBack).toBeUndefined();
  });

  it("promotes a candidate by swapping roles, and refuses a file that re-points a version", () => {
    const { release: r, metrics } = release();
    r.apply(file(0, 100, ["candidate", "stable"]));
    expect(r.stable.name).toBe("v2");
    expect(r.choose({ owner: "anyone" }).name).toBe("v2");
    expect(() => r.apply(file(1, 1, ["stable", "candidate"], "http://elsewhere:1"))).toThrow(/restart/);
    expect(r.stable.name).toBe("v2");
    return metrics.registry.getSingleMetricAsString("ocr_gateway_model_version_weight").then((text) => {
      expect(text).toContain('ocr_gateway_model_version_weight{model_version="v2",role="stable"} 100');
    });
  });

  it("pins by version name or served name, and keeps MODEL aliases weighted", () => {
    const { release: r } = release(1, 0);
    expect(r.choose({ pinned: "v2" }).name).toBe("v2");
    expect(r.choose({ pinned: "m2" }).name).toBe("v2");
    expect(r.choose({ requested: "m2" }).name).toBe("v2");
    expect(r.choose({ requested: "hunyuan-ocr" }).name).toBe("v1");
    expect(() => r.choose({ pinned: "v3" })).toThrow(/No model version "v3"/);
    expect(() => r.choose({ requested: "gpt-4o" })).toThrow();
  });
});
