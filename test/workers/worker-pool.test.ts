import { fork } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { processWorker, threadWorker } from "../../gateway/workers/pool-worker.ts";
import { type PoolTask, WorkerPool, type WorkerPoolOptions } from "../../gateway/workers/worker-pool.ts";

// A stand-in worker: a task `{ ms, tag }` answers `tag` after `ms` ms; `{ spin: true }` blocks its thread.
const THREAD_WORKER = `
const { parentPort } = require("node:worker_threads");
parentPort.postMessage({ type: "ready", loadMs: 1 });
parentPort.on("message", ({ jobId, ms, tag, spin }) => {
  if (spin) for (;;) {}
  setTimeout(() => parentPort.postMessage({ type: "result", jobId, result: tag }), ms);
});
`;

const PROCESS_WORKER = `
process.send({ type: "ready", loadMs: 1 });
process.on("message", ({ jobId, ms, tag, spin }) => {
  if (spin) for (;;) {}
  setTimeout(() => process.send({ type: "result", jobId, result: tag }), ms);
});
`;

const pools: WorkerPool<string>[] = [];
afterEach(() => Promise.all(pools.splice(0).map((pool) => pool.close())));

const errors: WorkerPoolOptions<{ message: string }>["errors"] = {
  busy: () => new Error("busy"),
  closed: () => new Error("closed"),
  crashed: (detail) => new Error(`crashed: ${detail}`),
  failed: ({ message }) => new Error(message),
  loadFailed: (detail) => new Error(`load failed: ${detail}`),
};

async function startPool(options: Partial<WorkerPoolOptions<{ message: string }>> = {}) {
  const { pool } = await WorkerPool.start<string>({
    size: 1,
    spawn: () => threadWorker(new Worker(THREAD_WORKER, { eval: true })),
    errors,
    ...options,
  });
  pools.push(pool);
  return pool;
}

const task = (tag: string, extra: Partial<PoolTask> & { ms?: number; spin?: boolean } = {}): PoolTask => {
  const { ms = 0, spin = false, ...rest } = extra;
  return { message: () => ({ body: { ms, tag, spin } }), ...rest };
};

describe("WorkerPool", () => {
  it("serves groups in turn, not tasks in arrival order", async () => {
    const pool = await startPool();
    const finished: string[] = [];
    const run = (tag: string, group: string) =>
      pool.run(task(tag, { group, ms: 20 })).then((result) => finished.push(result));
    await Promise.all([run("a1", "a"), run("a2", "a"), run("a3", "a"), run("b1", "b"), run("b2", "b")]);
    expect(finished).toEqual(["a1", "b1", "a2", "b2", "a3"]);
  });

  it("keeps a worker free for other groups with maxWorkersPerGroup", async () => {
    const pool = await startPool({ size: 2, maxWorkersPerGroup: 1 });
    const slow = pool.run(task("slow", { group: "big", ms: 2000 }));
    const queuedBehindSlow = pool.run(task("big-2", { group: "big" }));
    const other = pool.run(task("other", { group: "small" }));
    expect(await Promise.race([slow, queuedBehindSlow, other])).toBe("other");
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 1 });
    await Promise.all([slow, queuedBehindSlow]);
  });

  it("kills a worker past its task's deadline, even one stuck in a loop, and replaces it", async () => {
    const pool = await startPool();
    const stuck = pool.run(
      task("stuck", { spin: true, timeoutMs: 200, timeoutError: () => new Error("too slow") }),
    );
    await expect(stuck).rejects.toThrow("too slow");
    await expect(pool.run(task("after"))).resolves.toBe("after");
    expect(pool.stats()).toMatchObject({ workers: 1, replaced: 1 });
  });

  it("kills the worker of a running task aborted with abortRunning: terminate", async () => {
    const pool = await startPool();
    const controller = new AbortController();
    const running = pool.run(task("x", { spin: true, signal: controller.signal, abortRunning: "terminate" }));
    setTimeout(() => controller.abort(new Error("gone")), 50);
    await expect(running).rejects.toThrow("gone");
    await expect(pool.run(task("after"))).resolves.toBe("after");
    expect(pool.stats().replaced).toBe(1);
  });

  it("aborts every task with a tag through abortTagged, queued or running", async () => {
    const pool = await startPool();
    const tag = {};
    const running = pool.run(task("1", { spin: true, tag, abortRunning: "terminate" }));
    const queued = pool.run(task("2", { tag }));
    pool.abortTagged(tag, new Error("client left"));
    await expect(running).rejects.toThrow("client left");
    await expect(queued).rejects.toThrow("client left");
    await expect(pool.run(task("after"))).resolves.toBe("after");
  });

  it("drives child processes the same way; close returns at once whatever they do", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "pool-worker-"));
    const entry = path.join(folder, "worker.cjs");
    await writeFile(entry, PROCESS_WORKER);
    const pool = await startPool({
      size: 2,
      spawn: () => processWorker(fork(entry, [], { execArgv: [], serialization: "advanced" })),
    });
    await expect(pool.run(task("hello"))).resolves.toBe("hello");
    const stuck = pool.run(task("stuck", { spin: true })).catch((error: Error) => error.message);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await pool.close();
    expect(await stuck).toBe("closed");
    expect(performance.now() - started).toBeLessThan(10_000); // a spinning process never exits by itself
    await rm(folder, { recursive: true, force: true });
  });
});
