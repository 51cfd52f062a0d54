import { access, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  answerWithPageIds,
  batchEnv,
  listFiles,
  pageCalls,
  readOutput,
  readState,
  runBatch,
  spawnBatch,
  useArchiveFixture,
  waitUntil,
} from "./batch-harness.ts";

const fx = useArchiveFixture("batch-sigint-", { images: 30, pdfs: 6, maxPdfPages: 3 });

/** Every line of the state parses, and every document it calls done has whole outputs. */
async function expectConsistent(out: string) {
  const state = await readState(out);
  expect(state.torn).toBe(0);
  for (const record of state.records.values()) {
    if (record.status !== "done") continue;
    const response = await readOutput(out, record.key);
    expect(response.pages.length).toBe(fx.archive.documents.get(record.key));
    expect(await readFile(path.join(out, `${record.key}.md`), "utf8")).toContain("page:");
  }
  expect((await listFiles(out)).some((file) => file.startsWith(".ocr-batch-tmp/"))).toBe(false);
  await expect(access(path.join(out, ".ocr-batch.lock"))).rejects.toThrow();
  return state;
}

describe("Ctrl-C during a batch", () => {
  it("first Ctrl-C finishes the documents being read, saves the state and exits 130", async () => {
    const out = path.join(fx.work, "out-graceful");
    fx.emulator.reset();
    answerWithPageIds(fx.emulator, 150);
    const args = [fx.archive.root, "--out", out, "--concurrency", "3"];
    const run = spawnBatch(args, batchEnv(fx.emulator));
    await waitUntil(async () => (await readState(out)).records.size >= 6);
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toContain("Stopping");

    const state = await expectConsistent(out);
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(report.interrupted).toBe(true);
    expect(report.documents.pending).toBeGreaterThan(0);
    // Whatever the model was asked to read was finished and committed: no page read for nothing.
    const done = [...state.records.values()].filter((record) => record.status === "done");
    const readPages = new Set(
      await Promise.all(
        done.map(async (record) => (await readOutput(out, record.key)).pages.map((page) => page.text)),
      ).then((ids) => ids.flat()),
    );
    for (const call of pageCalls(fx.emulator)) expect(readPages.has(call)).toBe(true);

    answerWithPageIds(fx.emulator, 0);
    const before = pageCalls(fx.emulator).length;
    const resumed = await runBatch(args, batchEnv(fx.emulator));
    expect(resumed.code).toBe(1);
    for (const call of pageCalls(fx.emulator).slice(before)) expect(readPages.has(call)).toBe(false);
    const final = await expectConsistent(out);
    expect([...final.records.values()].filter((record) => record.status === "done").length).toBe(
      fx.archive.documents.size,
    );
  }, 300_000);

  it("a second Ctrl-C abandons the documents being read; they stay pending and the next run reads them", async () => {
    const out = path.join(fx.work, "out-abandon");
    fx.emulator.reset();
    answerWithPageIds(fx.emulator, 2_000);
    const args = [fx.archive.root, "--out", out, "--concurrency", "4"];
    const run = spawnBatch(args, batchEnv(fx.emulator));
    await waitUntil(async () => fx.emulator.runningRequests >= 2);
    run.child.kill("SIGINT");
    await waitUntil(async () => run.stderr().includes("Stopping"));
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toContain("Abandoning");
    const state = await expectConsistent(out);
    // The documents abandoned mid-read are not failures: only the corrupt files may have failed records.
    expect(pageCalls(fx.emulator).length).toBeGreaterThan(0);
    for (const record of state.records.values()) {
      if (record.status === "failed") expect(fx.archive.corrupt.get(record.key)).toBe(record.error?.code);
    }
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(report.interrupted).toBe(true);
    expect(report.documents.pending).toBeGreaterThan(0);

    answerWithPageIds(fx.emulator, 0);
    const resumed = await runBatch(args, batchEnv(fx.emulator));
    expect(resumed.code).toBe(1);
    const final = await expectConsistent(out);
    expect([...final.records.values()].filter((record) => record.status === "done").length).toBe(
      fx.archive.documents.size,
    );
  }, 300_000);

  it("stops by itself when the model server cannot be reached, and the next run retries those documents", async () => {
    const out = path.join(fx.work, "out-unreachable");
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const args = [fx.archive.root, "--out", out, "--concurrency", "2", "--retries", "1"];
    const down = await runBatch(args, batchEnv(fx.emulator, { VLLM_URL: `http://127.0.0.1:${deadPort}` }));
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("could not reach the model server");
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(report.stopped_because).toContain("upstream_unavailable");
    expect(report.documents.pending).toBeGreaterThan(0);
    expect(report.failures.by_code.upstream_unavailable).toBeGreaterThanOrEqual(5);

    fx.emulator.reset();
    answerWithPageIds(fx.emulator, 0);
    const back = await runBatch(args, batchEnv(fx.emulator));
    expect(back.code).toBe(1);
    const final = await expectConsistent(out);
    expect([...final.records.values()].filter((record) => record.status === "done").length).toBe(
      fx.archive.documents.size,
    );
  }, 300_000);
});
