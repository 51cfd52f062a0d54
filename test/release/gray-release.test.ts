import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify as toYaml } from "yaml";
import { metricValue } from "../support/upstream-bed.ts";
import {
  answerOf,
  CANDIDATE_TEXT,
  chat,
  image,
  listVersions,
  STABLE_TEXT,
  useReleaseBed,
  type VersionEntry,
  waitFor,
} from "./release-bed.ts";

const { bed, dir, twoVersions, writeRelease } = useReleaseBed();

describe("gray release between two model versions", () => {
  it("splits 1,000 tenants by weight within statistical bounds, and each tenant stays on its version", async () => {
    const { stable, candidate } = await twoVersions();
    const keys = Array.from({ length: 1_000 }, (_, i) => `tenant-key-${i}`);
    const file = writeRelease(stable, candidate, [
      { name: "v1", model: "hunyuan-v1", weight: 80 },
      { name: "v2", model: "hunyuan-v2", weight: 20 },
    ]);
    const { gw } = await bed.gateway({ UPSTREAMS_FILE: file, API_KEYS: keys.join(",") });
    const seen = new Map<string, string>();
    for (let start = 0; start < keys.length; start += 25) {
      await Promise.all(
        keys.slice(start, start + 25).map(async (key) => {
          const response = await chat(gw, key);
          expect(response.status).toBe(200);
          const body = (await response.json()) as {
            model: string;
            choices: Array<{ message: { content: string } }>;
          };
          const version = response.headers.get("x-model-version") as string;
          seen.set(key, version);
          // The answer comes from the version the header names, under its served model name.
          expect(body.choices[0]?.message.content).toBe(version === "v2" ? CANDIDATE_TEXT : STABLE_TEXT);
          expect(body.model).toBe(version === "v2" ? "hunyuan-v2" : "hunyuan-v1");
        }),
      );
    }
    const onCandidate = [...seen.values()].filter((version) => version === "v2").length;
    // Binomial(1000, 0.2): mean 200, standard deviation 12.6; 4 deviations either way.
    expect(onCandidate).toBeGreaterThan(200 - 4 * 12.6);
    expect(onCandidate).toBeLessThan(200 + 4 * 12.6);
    expect(candidate.chatRequests.length).toBe(onCandidate);
    expect(stable.chatRequests.length).toBe(1_000 - onCandidate);
    // Stickiness: every tenant asked again lands where it landed the first time.
    for (const key of keys.slice(0, 100)) {
      const response = await chat(gw, key);
      await response.arrayBuffer();
      expect(response.headers.get("x-model-version")).toBe(seen.get(key));
    }
    const counted = await metricValue(
      gw,
      /^ocr_gateway_requests_total\{route="\/v1\/chat\/completions",method="POST",status="200",task="",backend="vllm",model_version="v2"\}/,
    );
    expect(counted).toBe(onCandidate + keys.slice(0, 100).filter((key) => seen.get(key) === "v2").length);
    const logged = gw.logs.filter((line) => line.msg === "request" && line.path === "/v1/chat/completions");
    expect(logged.every((line) => line.modelVersion === "v1" || line.modelVersion === "v2")).toBe(true);
  }, 120_000);

  it("lets a client pin a version by its model name or x-model-version, and lists the versions", async () => {
    const { stable, candidate } = await twoVersions();
    const file = writeRelease(stable, candidate, [
      { name: "v1", model: "hunyuan-v1", weight: 1 },
      { name: "v2", model: "hunyuan-v2", weight: 0 },
    ]);
    const { gw } = await bed.gateway({ UPSTREAMS_FILE: file });
    const pinned = [
      await chat(gw, undefined, { model: "hunyuan-v2" }),
      await chat(gw, undefined, { model: "v2" }),
      await chat(gw, undefined, { headers: { "x-model-version": "v2" } }),
      await chat(gw, undefined, { model: "hunyuan-v1", headers: { "x-model-version": "v2" }, stream: true }),
    ];
    for (const response of pinned) {
      expect(response.status).toBe(200);
      expect(response.headers.get("x-model-version")).toBe("v2");
      expect(await answerOf(response)).toBe(CANDIDATE_TEXT);
    }
    const weighted = await chat(gw, undefined);
    expect(weighted.headers.get("x-model-version")).toBe("v1");
    expect(((await weighted.json()) as { model: string }).model).toBe("hunyuan-v1");

    const unknown = await chat(gw, undefined, { headers: { "x-model-version": "v9" } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "unknown_model_version",
      message: expect.stringContaining("v1, v2"),
    });
    expect((await chat(gw, undefined, { model: "gpt-4o" })).status).toBe(404);

    const models = (await (await fetch(`${gw.url}/v1/models`)).json()) as {
      data: Array<{ id: string; root: string; model_version?: string }>;
      versions: unknown[];
    };
    expect(models.versions).toEqual([
      {
        name: "v1",
        model: "hunyuan-v1",
        profile: "hunyuanocr-1.0",
        role: "stable",
        weight: 1,
        shadow_percent: 0,
      },
      {
        name: "v2",
        model: "hunyuan-v2",
        profile: "hunyuanocr-1.0",
        role: "candidate",
        weight: 0,
        shadow_percent: 0,
      },
    ]);
    expect(models.data).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: "hunyuan-v2", root: "hunyuan-v2", model_version: "v2" }),
        expect.objectContaining({ id: "hunyuan-ocr", root: "hunyuan-v1" }),
      ]),
    );

    // Ready while the stable version is; every version's replicas are reported.
    const ready = await fetch(`${gw.url}/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { detail: unknown }).detail).toMatchObject({
      versions: { v1: { role: "stable", ready: true }, v2: { role: "candidate", weight: 0, ready: true } },
    });
    stable.setHealthy(false);
    expect((await fetch(`${gw.url}/ready`)).status).toBe(503);
    stable.setHealthy(true);

    // /v1/ocr routes the same way, and its answer names the version's model.
    const ocr = await fetch(`${gw.url}/v1/ocr`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-model-version": "v2" },
      body: JSON.stringify({ document: { type: "image_url", image_url: image }, task: "text" }),
    });
    const answer = (await ocr.json()) as { model: string; pages: Array<{ text: string }> };
    expect(ocr.status, JSON.stringify(answer)).toBe(200);
    expect(ocr.headers.get("x-model-version")).toBe("v2");
    expect(answer.model).toBe("hunyuan-v2");
    expect(answer.pages[0]?.text).toContain("9.80");
  }, 60_000);

  it("mirrors requests to a shadow candidate without changing the answer, and measures the agreement", async () => {
    const { stable, candidate } = await twoVersions();
    const fieldsOf = (total: string) => JSON.stringify({ company: "BOOK TA .K (TAMAN DAYA) SDN BHD", total });
    stable.setDefaultAnswer((request) => ({
      text: request.response_format ? fieldsOf("9.00") : STABLE_TEXT,
    }));
    candidate.setDefaultAnswer((request) => ({
      text: request.response_format ? fieldsOf("9.80") : CANDIDATE_TEXT,
      // A slow candidate: the client must not wait for it.
      firstTokenDelayMs: 300,
    }));
    // Room for all five shadow calls at once: on a loaded machine the 300 ms calls overlap.
    const file = writeRelease(
      stable,
      candidate,
      [
        { name: "v1", model: "hunyuan-v1", weight: 1 },
        { name: "v2", model: "hunyuan-v2", weight: 0, shadow_percent: 100 },
      ],
      { shadow: { max_concurrency: 8 } },
    );
    const { gw } = await bed.gateway({ UPSTREAMS_FILE: file });
    for (const stream of [false, true, false]) {
      const started = performance.now();
      const response = await chat(gw, undefined, { stream });
      expect(await answerOf(response)).toBe(STABLE_TEXT);
      expect(response.headers.get("x-model-version")).toBe("v1");
      expect(performance.now() - started).toBeLessThan(5_000);
    }
    const ocr = (body: Record<string, unknown>) =>
      fetch(`${gw.url}/v1/ocr`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ document: { type: "image_url", image_url: image }, ...body }),
      });
    const text = (await (await ocr({ task: "text" })).json()) as { pages: Array<{ text: string }> };
    expect(text.pages[0]?.text).toContain("9.00");
    const fields = (await (await ocr({ task: "fields", fields: ["company", "total"] })).json()) as {
      fields: Record<string, string>;
    };
    expect(fields.fields.total).toBe("9.00");

    const compared = () =>
      metricValue(gw, /^ocr_gateway_shadow_requests_total\{model_version="v2",outcome="compared"\}/);
    await waitFor(async () => (await compared()) === 5, "5 shadow comparisons");
    const textCount = await metricValue(
      gw,
      /^ocr_gateway_shadow_agreement_ratio_count\{model_version="v2",kind="text"\}/,
    );
    const textSum = await metricValue(
      gw,
      /^ocr_gateway_shadow_agreement_ratio_sum\{model_version="v2",kind="text"\}/,
    );
    expect(textCount).toBe(4);
    // One character in 44 differs (after whitespace is dropped).
    expect((textSum as number) / 4).toBeCloseTo(1 - 1 / 44, 3);
    expect(
      await metricValue(gw, /^ocr_gateway_shadow_agreement_ratio_sum\{model_version="v2",kind="fields"\}/),
    ).toBe(0.5);
    // The candidate read every request, the clients only ever saw the stable answers.
    expect(candidate.chatRequests.length).toBe(5);
    expect(
      candidate.chatRequests.every((request) => (request.body as { model: string }).model === "hunyuan-v2"),
    ).toBe(true);
  }, 60_000);

  it.each([
    [
      "error_rate",
      () => ({
        httpError: {
          status: 500,
          body: { error: { message: "boom", type: "InternalServerError", code: 500 } },
        },
      }),
    ],
    ["loop_rate", () => ({ text: `TOTAL ${"9.00 ".repeat(400)}` })],
  ])(
    "rolls a candidate back when its %s exceeds the stable's by the margin",
    async (reason, answer) => {
      const { stable, candidate } = await twoVersions();
      candidate.setDefaultAnswer(answer);
      const keys = Array.from({ length: 200 }, (_, i) => `rollback-key-${i}`);
      const file = writeRelease(
        stable,
        candidate,
        [
          { name: "v1", model: "hunyuan-v1", weight: 50 },
          { name: "v2", model: "hunyuan-v2", weight: 50 },
        ],
        { rollback: { window: 20, min_samples: 10, error_rate_margin: 0.2, loop_rate_margin: 0.2 } },
      );
      const { gw } = await bed.gateway({
        UPSTREAMS_FILE: file,
        API_KEYS: keys.join(","),
        UPSTREAM_RETRIES: "0",
      });
      expect((await listVersions(gw, keys[0])).map((version) => version.weight)).toEqual([50, 50]);
      for (let start = 0; start < 100; start += 10) {
        await Promise.all(
          keys.slice(start, start + 10).map(async (key) => (await chat(gw, key)).arrayBuffer()),
        );
      }
      expect(
        await metricValue(
          gw,
          new RegExp(`^ocr_gateway_model_version_rollbacks_total\\{model_version="v2",reason="${reason}"\\}`),
        ),
      ).toBe(1);
      expect(
        await metricValue(gw, /^ocr_gateway_model_version_weight\{model_version="v2",role="candidate"\}/),
      ).toBe(0);
      const warning = gw.logs.find(
        (line) => typeof line.msg === "string" && line.msg.includes("rolled back"),
      );
      expect(warning).toMatchObject({ level: 40, modelVersion: "v2", reason, stableVersion: "v1" });
      expect(await listVersions(gw, keys[0])).toEqual([
        expect.objectContaining({ name: "v1", weight: 50 }),
        expect.objectContaining({ name: "v2", weight: 0, rolled_back: reason }),
      ]);
      // Every tenant is on the stable version now.
      const before = candidate.chatRequests.length;
      for (const key of keys.slice(100, 140)) {
        const response = await chat(gw, key);
        expect(response.status).toBe(200);
        expect(response.headers.get("x-model-version")).toBe("v1");
        await response.arrayBuffer();
      }
      expect(candidate.chatRequests.length).toBe(before);
    },
    60_000,
  );

  it("takes new weights from the file when it changes, keeps the old ones when the new file is bad", async () => {
    const { stable, candidate } = await twoVersions();
    const file = path.join(dir, "watched.yaml");
    const entries = (v1: number, v2: number): [VersionEntry, VersionEntry] => [
      { name: "v1", model: "hunyuan-v1", weight: v1 },
      { name: "v2", model: "hunyuan-v2", weight: v2 },
    ];
    writeRelease(stable, candidate, entries(1, 0), {}, file);
    const { gw } = await bed.gateway({ UPSTREAMS_FILE: file });
    expect((await chat(gw, undefined)).headers.get("x-model-version")).toBe("v1");

    writeRelease(stable, candidate, entries(0, 1), {}, file);
    await waitFor(async () => (await listVersions(gw))[1]?.weight === 1, "the new weights");
    expect((await chat(gw, undefined)).headers.get("x-model-version")).toBe("v2");
    expect(
      await metricValue(gw, /^ocr_gateway_model_version_weight\{model_version="v1",role="stable"\}/),
    ).toBe(0);

    writeFileSync(file, "versions: [");
    await waitFor(
      () => gw.logs.some((line) => line.level === 50 && String(line.msg).includes("not applied")),
      "the error",
    );
    // Re-pointing a version needs a restart: refused as a whole.
    writeFileSync(
      file,
      toYaml({
        versions: [
          { name: "v1", model: "hunyuan-v1", replicas: [candidate.url], weight: 1, role: "stable" },
          { name: "v2", model: "hunyuan-v2", replicas: [candidate.url] },
        ],
      }),
    );
    await waitFor(
      () =>
        gw.logs.some(
          (line) => String(line.msg).includes("need a restart") || String(line.err).includes("restart"),
        ),
      "the refusal",
    );
    expect((await listVersions(gw)).map((version) => version.weight)).toEqual([0, 1]);

    // SIGHUP's path: the same reload, on demand.
    writeRelease(stable, candidate, entries(3, 1), {}, file);
    expect(gw.deps.releaseReloader?.reload("SIGHUP")).toBe(true);
    expect((await listVersions(gw)).map((version) => version.weight)).toEqual([3, 1]);
  }, 60_000);
});
