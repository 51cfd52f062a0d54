import { describe, expect, it } from "vitest";
import { mapWithConcurrency } from "../../gateway/documents/map-with-concurrency.ts";

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A task whose completion the test controls, so order and overlap are deterministic. */
function controlledTasks() {
  const pending = new Map<number, { resolve: (value: string) => void; reject: (error: Error) => void }>();
  let active = 0;
  let maxActive = 0;
  const started: number[] = [];
  const run = (item: number, _index: number, signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      started.push(item);
      active++;
      maxActive = Math.max(maxActive, active);
      let finished = false;
      const done = () => {
        if (!finished) active--;
        finished = true;
      };
      pending.set(item, {
        resolve: (value) => {
          done();
          resolve(value);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      signal.addEventListener("abort", () => pending.get(item)?.reject(new Error(`aborted ${item}`)));
    });
  return { run, pending, started, stats: () => ({ active, maxActive }) };
}

describe("mapWithConcurrency", () => {
  it("keeps at most `limit` calls in flight and returns results in input order", async () => {
    const tasks = controlledTasks();
    const result = mapWithConcurrency([0, 1, 2, 3, 4], 2, tasks.run);
    await settle();
    expect(tasks.started).toEqual([0, 1]);

    for (const item of [1, 0, 3, 2, 4]) {
      while (!tasks.pending.has(item)) await settle();
      tasks.pending.get(item)?.resolve(`page ${item}`);
      await settle();
      expect(tasks.stats().active).toBeLessThanOrEqual(2);
    }
    expect(await result).toEqual(["page 0", "page 1", "page 2", "page 3", "page 4"]);
    expect(tasks.stats().maxActive).toBe(2);
  });

  it("starts nothing new after a failure, aborts running calls and settles only when they have", async () => {
    const tasks = controlledTasks();
    let settled = false;
    const result = mapWithConcurrency([0, 1, 2, 3], 2, tasks.run).finally(() => {
      settled = true;
    });
    await settle();
    tasks.pending.get(0)?.reject(new Error("upstream failed on page 0"));
    await expect(result).rejects.toThrow("upstream failed on page 0");
    expect(settled).toBe(true);
    expect(tasks.started).toEqual([0, 1]);
    expect(tasks.stats().active).toBe(0);
  });

  it("rejects with the caller's abort reason", async () => {
    const tasks = controlledTasks();
    const controller = new AbortController();
    const result = mapWithConcurrency([0, 1, 2], 1, tasks.run, controller.signal);
    await settle();
    controller.abort(new Error("client disconnected"));
    await expect(result).rejects.toThrow("client disconnected");
    expect(tasks.started).toEqual([0]);
  });

  it("handles empty input and refuses a limit below 1", async () => {
    expect(await mapWithConcurrency([], 3, async () => 1)).toEqual([]);
    await expect(mapWithConcurrency([1], 0, async () => 1)).rejects.toThrow(RangeError);
  });
});
