import { describe, expect, it } from "vitest";
import { ModelSlots } from "../../../gateway/jobs/worker/capacity-gate.ts";
import type { BackendLoad } from "../../../gateway/ocr/ocr-backend.ts";

const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

describe("ModelSlots", () => {
  it("claims up to the slots plus the render-ahead, and nothing while calls queue in the gateway", () => {
    const load: BackendLoad = { slots: 8, busy: 0, waiting: 0 };
    const gate = new ModelSlots(() => load).gate(64, 4);
    expect(gate.spare(0)).toBe(12);
    expect(gate.spare(10)).toBe(2);
    load.waiting = 1;
    expect(gate.spare(0)).toBe(0);
    expect(new ModelSlots(() => ({ slots: 8, busy: 0, waiting: 0 })).gate(5, 4).spare(0)).toBe(5);
  });

  it("lets a page call the model only when a slot is free of interactive calls and its own", async () => {
    const load: BackendLoad = { slots: 2, busy: 2, waiting: 0 };
    const slots = new ModelSlots(() => load);
    const abort = new AbortController();
    let granted = 0;
    const first = slots.acquire(abort.signal).then((release) => {
      granted++;
      return release;
    });
    await tick();
    expect(granted).toBe(0);
    load.busy = 1;
    const release = await first;
    expect(granted).toBe(1);
    // Its own call counts until it reaches the pool: a second page waits although `busy` still says 1.
    const second = slots.acquire(abort.signal);
    let secondGranted = false;
    void second.then(() => {
      secondGranted = true;
    });
    load.busy = 0;
    await tick();
    expect(secondGranted).toBe(true);
    release();
    load.busy = 2;
    const third = slots.acquire(abort.signal);
    abort.abort(new Error("stop"));
    await expect(third).rejects.toThrow("stop");
  });

  it("fills every slot until interactive calls are seen, then keeps the reserved ones for a while", async () => {
    let now = 0;
    const load: BackendLoad = { slots: 2, reserved: 1, busy: 0, waiting: 0 };
    const slots = new ModelSlots(() => load, { reserveHoldMs: 10_000, now: () => now });
    const gate = slots.gate(64, 0);
    const signal = new AbortController().signal;
    expect(gate.spare(0)).toBe(2);
    const first = await slots.acquire(signal);
    const second = await slots.acquire(signal);
    expect(slots.reserving).toBe(false);
    // Both background calls reached the pool, and a third call is running: an interactive one.
    load.busy = 3;
    expect(slots.reserving).toBe(true);
    expect(gate.spare(0)).toBe(1);
    first();
    second();
    load.busy = 1;
    const third = await slots.acquire(signal);
    let fourthGranted = false;
    const fourth = slots.acquire(signal).then((release) => {
      fourthGranted = true;
      return release;
    });
    load.busy = 1; // its own call only; the reserved slot stays free while the hold lasts
    await tick();
    expect(fourthGranted).toBe(false);
    now = 10_001;
    expect(slots.reserving).toBe(false);
    (await fourth)();
    third();
  });

  it("wakes a waiting call as soon as a background call ends, without waiting for the poll", async () => {
    const load: BackendLoad = { slots: 1, busy: 0, waiting: 0 };
    const slots = new ModelSlots(() => load);
    const signal = new AbortController().signal;
    const release = await slots.acquire(signal);
    const next = slots.acquire(signal);
    await tick(10);
    release();
    await expect(next).resolves.toBeTypeOf("function");
  });
});
