import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { type RecognitionPool, startRecognitionPool } from "../../../gateway/engines/embedded/worker-pool.ts";
import { EngineUnavailableError } from "../../../gateway/engines/engine-errors.ts";
import { GatewayError } from "../../../gateway/errors.ts";

// A stand-in worker speaking the pool's protocol. The first byte of a job picks what it does:
// 0 = answer after image[1] × 10 ms, 1 = crash, 2 = report an undecodable image, 3 = hang until terminated.
const FAKE_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
if (workerData.load === "missing-module") {
  const error = new Error("Cannot find package 'ppu-paddle-ocr'");
  error.code = "ERR_MODULE_NOT_FOUND";
  throw error;
}
parentPort.postMessage({ type: "ready", loadMs: 5 });
parentPort.on("message", ({ jobId, image }) => {
  const command = image[0];
  if (command === 1) throw new Error("segfault stand-in");
  if (command === 2) return parentPort.postMessage({ type: "failed", jobId, message: "bad", reason: "invalid-image" });
  if (command === 3) return;
  setTimeout(() => parentPort.postMessage({ type: "result", jobId, result: { echo: image[2], durationMs: 1 } }), image[1] * 10);
});
`;

interface Echo {
  echo: number;
}

const pools: RecognitionPool<Echo>[] = [];

async function startPool(size: number, maxQueue: number, load = "ok"): Promise<RecognitionPool<Echo>> {
  const { pool } = await startRecognitionPool<Echo>({
    size,
    maxQueue,
    spawn: () => new Worker(FAKE_WORKER, { eval: true, workerData: { load } }),
  });
  pools.push(pool);
  return pool;
}

const job = (command: number, tenthsOfMs = 0, tag = 0) => new Uint8Array([command, tenthsOfMs, tag]);

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

describe("startRecognitionPool", () => {
  it("runs jobs and reports its load", async () => {
    const pool = await startPool(1, 4);
    const first = pool.run(job(0, 5, 1));
    const second = pool.run(job(0, 0, 2));
    expect(pool.stats()).toEqual({ busy: 1, queued: 1, workers: 1 });
    await expect(Promise.all([first, second])).resolves.toEqual([
      { echo: 1, durationMs: 1 },
      { echo: 2, durationMs: 1 },
    ]);
    expect(pool.stats()).toEqual({ busy: 0, queued: 0, workers: 1 });
  });

  it("refuses a job beyond maxQueue with 429 engine_busy and a retry-after header", async () => {
    const pool = await startPool(1, 2);
    const accepted = [pool.run(job(0, 10)), pool.run(job(0, 10)), pool.run(job(0, 10))];
    const refused = await pool.run(job(0)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ status: 429, code: "engine_busy" });
    expect(Number((refused as GatewayError).headers["retry-after"])).toBeGreaterThanOrEqual(1);
    await Promise.all(accepted);
  });

  it("drops a job aborted while queued: it never reaches a worker", async () => {
    const pool = await startPool(1, 4);
    const running = pool.run(job(0, 10, 1));
    const controller = new AbortController();
    const queued = pool.run(job(1), controller.signal); // would crash the worker if it ever ran
    controller.abort(new Error("client went away"));
    await expect(queued).rejects.toThrow("client went away");
    expect(pool.stats().queued).toBe(0);
    await expect(running).resolves.toMatchObject({ echo: 1 });
    await expect(pool.run(job(0, 0, 3))).resolves.toMatchObject({ echo: 3 });
    expect(pool.stats().workers).toBe(1);
  });

  it("settles a running job at once on abort and discards its late result", async () => {
    const pool = await startPool(1, 4);
    const controller = new AbortController();
    const running = pool.run(job(0, 20, 1), controller.signal);
    const next = pool.run(job(0, 0, 2));
    controller.abort(new Error("gone"));
    await expect(running).rejects.toThrow("gone");
    expect(pool.stats().busy).toBe(1); // the worker is still finishing the abandoned page
    await expect(next).resolves.toMatchObject({ echo: 2 });
  });

  it("rejects an already aborted signal without queueing", async () => {
    const pool = await startPool(1, 4);
    await expect(pool.run(job(0), AbortSignal.abort(new Error("early")))).rejects.toThrow("early");
    expect(pool.stats()).toEqual({ busy: 0, queued: 0, workers: 1 });
  });

  it("fails the job of a crashed worker with a 500 and restarts the worker", async () => {
    const pool = await startPool(1, 4);
    const crashing = pool.run(job(1));
    const queued = pool.run(job(0, 0, 7));
    await expect(crashing).rejects.toMatchObject({ status: 500, code: "engine_worker_crashed" });
    await expect(queued).resolves.toMatchObject({ echo: 7 });
    expect(pool.stats().workers).toBe(1);
  });

  it("maps an undecodable image to 400 invalid_image", async () => {
    const pool = await startPool(1, 4);
    await expect(pool.run(job(2))).rejects.toMatchObject({ status: 400, code: "invalid_image" });
  });

  it("rejects start with EngineUnavailableError when a worker cannot import its packages", async () => {
    const started = startPool(2, 4, "missing-module");
    await expect(started).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(started).rejects.toThrow(
      "The embedded engine's packages are not installed; set VLLM_URL or install without --omit=optional",
    );
  });

  it("fails running and queued jobs with 503 on close", async () => {
    const pool = await startPool(1, 4);
    const running = pool.run(job(3)).catch((error: unknown) => error);
    const queued = pool.run(job(0)).catch((error: unknown) => error);
    await pool.close();
    expect(await running).toMatchObject({ status: 503, code: "engine_closed" });
    expect(await queued).toMatchObject({ status: 503, code: "engine_closed" });
    await expect(pool.run(job(0))).rejects.toMatchObject({ status: 503 });
    expect(pool.stats().workers).toBe(0);
  });
});
