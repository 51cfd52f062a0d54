import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VllmEmulator } from "../../support/vllm-emulator/index.ts";
import {
  answerWithPageIds,
  batchEnv,
  listFiles,
  pageCalls,
  readOutput,
  readState,
  runBatch,
  spawnBatch,
  startPageEmulator,
  waitUntil,
} from "./batch-harness.ts";
import { type GeneratedArchive, makeArchive } from "./make-archive.ts";

let work: string;
let archive: GeneratedArchive;
let emulator: VllmEmulator;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "batch-sigint-"));
  archive = await makeArchive(path.join(work, "archive"), { images: 30, pdfs: 6, maxPdfPages: 3 });
  emulator = await startPageEmulator();
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Every line of the state parses, and every document it calls done has whole outputs. */
async function expectConsistent(out: string) {
  const state = await readState(out);
  expect(state.torn).toBe(0);
  for (const record of state.records.values()) {
    if (record.status !== "done") continue;
    const response = await readOutput(out, record.key);
    expect(response.pages.length).toBe(archive.documents.get(record.key));
    expect(await readFile(path.join(out, `${record.key}.md`), "utf8")).toContain("page:");
  }
  expect((await listFiles(out)).some((file) => file.startsWith(".ocr-batch-tmp/"))).toBe(false);
  await expect(access(path.join(out, ".ocr-batch.lock"))).rejects.toThrow();
  return state;
}

describe("Ctrl-C during a batch", () => {
  it("first Ctrl-C finishes the documents being read, saves the state and exits 130", async () => {
    const out = path.join(work, "out-graceful");
    emulator.reset();
    answerWithPageIds(emulator, 150);
    const args = [archive.root, "--out", out, "--concurrency", "3"];
    const run = spawnBatch(args, batchEnv(emulator));
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
    for (const call of pageCalls(emulator)) expect(readPages.has(call)).toBe(true);

    answerWithPageIds(emulator, 0);
    const before = pageCalls(emulator).length;
    const resumed = await runBatch(args, batchEnv(emulator));
    expect(resumed.code).toBe(1);
    for (const call of pageCalls(emulator).slice(before)) expect(readPages.has(call)).toBe(false);
    const final = await expectConsistent(out);
    expect([...final.records.values()].filter((record) => record.status === "done").length).toBe(
      archive.documents.size,
    );
  }, 300_000);

  it("a second Ctrl-C abandons the documents being read; they stay pending and the next run reads them", async () => {
    const out = path.join(work, "out-abandon");
    emulator.reset();
    answerWithPageIds(emulator, 2_000);
    const args = [archive.root, "--out", out, "--concurrency", "4"];
    const run = spawnBatch(args, batchEnv(emulator));
    await waitUntil(async () => emulator.runningRequests >= 2);
    run.child.kill("SIGINT");
    await waitUntil(async () => run.stderr().includes("Stopping"));
    run.child.kill("SIGINT");
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toContain("Abandoning");
    const state = await expectConsistent(out);
    // The documents abandoned mid-read are not failures: only the corrupt files may have failed records.
    expect(pageCalls(emulator).length).toBeGreaterThan(0);
    for (const record of state.records.values()) {
      if (record.status === "failed") expect(archive.corrupt.get(record.key)).toBe(record.error?.code);
    }
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(report.interrupted).toBe(true);
    expect(report.documents.pending).toBeGreaterThan(0);

    answerWithPageIds(emulator, 0);
    const resumed = await runBatch(args, batchEnv(emulator));
    expect(resumed.code).toBe(1);
    const final = await expectConsistent(out);
    expect([...final.records.values()].filter((record) => record.status === "done").length).toBe(
      archive.documents.size,
    );
  }, 300_000);

  it("stops by itself when the model server cannot be reached, and the next run retries those documents", async () => {
    const out = path.join(work, "out-unreachable");
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const args = [archive.root, "--out", out, "--concurrency", "2", "--retries", "1"];
    const down = await runBatch(args, batchEnv(emulator, { VLLM_URL: `http://127.0.0.1:${deadPort}` }));
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("could not reach the model server");
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(report.stopped_because).toContain("upstream_unavailable");
    expect(report.documents.pending).toBeGreaterThan(0);
    expect(report.failures.by_code.upstream_unavailable).toBeGreaterThanOrEqual(5);

    emulator.reset();
    answerWithPageIds(emulator, 0);
    const back = await runBatch(args, batchEnv(emulator));
    expect(back.code).toBe(1);
    const final = await expectConsistent(out);
    expect([...final.records.values()].filter((record) => record.status === "done").length).toBe(
      archive.documents.size,
    );
  }, 300_000);
});
