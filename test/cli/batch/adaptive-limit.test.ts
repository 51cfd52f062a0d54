import { afterEach, describe, expect, it, vi } from "vitest";
import { AdaptiveLimit, type Permit } from "../../../gateway/cli/batch/adaptive-limit.ts";

afterEach(() => {
  vi.useRealTimers();
});

/** Admits `count` single pages and returns their permits (all granted immediately when the limit allows). */
async function admitAll(limit: AdaptiveLimit, count: number): Promise<Permit[]> {
  return Promise.all(Array.from({ length: count }, () => limit.acquire(1)));
}

describe("AdaptiveLimit", () => {
  it("admits pages up to the limit and queues the rest in order", async () => {
    const limit = new AdaptiveLimit({ initial: 3, max: 3, adaptive: false });
    const first = await admitAll(limit, 3);
    const order: string[] = [];
    const heavy = limit.acquire(2).then((permit) => {
      order.push("heavy");
      return permit;
    });
    const light = limit.acquire(1).then((permit) => {
      order.push("light");
      return permit;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    first[0]?.release();
    await Promise.resolve();
    expect(order).toEqual([]);
    first[1]?.release();
    const heavyPermit = await heavy;
    expect(heavyPermit.weight).toBe(2);
    first[2]?.release();
    await light;
    expect(order).toEqual(["heavy", "light"]);
  });

  it("lets a document heavier than the limit run alone", async () => {
    const limit = new AdaptiveLimit({ initial: 4, max: 4, adaptive: false });
    const permit = await limit.acquire(30);
    expect(permit.weight).toBe(4);
    expect(limit.pagesInFlight).toBe(4);
  });

  it("grows while latency stays flat and the limit binds, and stops growing when latency rises", async () => {
    const limit = new AdaptiveLimit({ initial: 4, max: 100, adaptive: true });
    // Steady pressure: one more document always waits; each completion lets the next one in.
    const granted: Permit[] = [];
    let outstanding = 0;
    const complete = async (completions: number, roundMs: number) => {
      for (let index = 0; index < completions; index++) {
        while (outstanding < Math.floor(limit.limit) + 1) {
          outstanding++;
          void limit.acquire(1).then((permit) => granted.push(permit));
        }
        await new Promise((resolve) => setImmediate(resolve));
        outstanding--;
        granted.shift()?.release({ pages: 1, elapsedMs: roundMs });
      }
    };
    await complete(200, 100);
    const grown = limit.limit;
    expect(grown).toBeGreaterThan(12);
    await complete(100, 400);
    expect(limit.limit).toBeLessThan(grown);
    expect(limit.limit).toBeLessThanOrEqual(100);
  });

  it("does not grow a limit that is not used", async () => {
    const limit = new AdaptiveLimit({ initial: 8, max: 100, adaptive: true });
    for (let round = 0; round < 20; round++) (await limit.acquire(1)).release({ pages: 1, elapsedMs: 100 });
    expect(limit.limit).toBe(8);
  });

  it("cuts the limit on overload and pauses admissions for retry-after", async () => {
    vi.useFakeTimers();
    const limit = new AdaptiveLimit({ initial: 10, max: 100, adaptive: true });
    limit.overloaded(2_000);
    expect(limit.limit).toBeCloseTo(7);
    let admitted = false;
    const waiting = limit.acquire(1).then((permit) => {
      admitted = true;
      return permit;
    });
    await vi.advanceTimersByTimeAsync(1_900);
    expect(admitted).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    await waiting;
    expect(admitted).toBe(true);
  });

  it("keeps a fixed limit with --concurrency, and rejects a wait when its signal aborts", async () => {
    const limit = new AdaptiveLimit({ initial: 1, max: 1, adaptive: false });
    const held = await limit.acquire(1);
    limit.overloaded();
    expect(limit.limit).toBe(1);
    const abort = new AbortController();
    const waiting = limit.acquire(1, abort.signal);
    abort.abort(new Error("stopped"));
    await expect(waiting).rejects.toThrow("stopped");
    held.release();
    expect(limit.pagesInFlight).toBe(0);
  });
});
