import { describe, expect, it } from "vitest";
import { ModelSlots } from "../../../gateway/jobs/worker/capacity-gate.ts";
import type { BackendLoad } from "../../../gateway/ocr/ocr-backend.ts";

describe("ModelSlots", () => {
  it("claims up to the slots plus the render-ahead, and nothing while calls queue in the gateway", () => {
    const load: BackendLoad = { slots: 8, busy: 0, waiting: 0 };
    const slots = new ModelSlots(() => load, 64, 4);
    expect(slots.spare(0)).toBe(12);
    expect(slots.spare(10)).toBe(2);
    load.waiting = 1;
    expect(slots.spare(0)).toBe(0);
    expect(new ModelSlots(() => ({ slots: 8, busy: 0, waiting: 0 }), 5, 4).spare(0)).toBe(5);
    expect(new ModelSlots(() => ({ slots: 8, reserved: 2, busy: 0, waiting: 0 }), 64, 4).spare(0)).toBe(10);
  });

  it("lets a page call the model only when a slot is free of interactive calls and its own", async () => {
    const load: BackendLoad = { slots: 2, busy: 2, waiting: 0 };
    const slots = new ModelSlots(() => load, 64);
    const abort = new AbortController();
    let granted = 0;
    const first = slots.acquire(abort.signal).then((release) => {
      granted++;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
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
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(secondGranted).toBe(true);
    release();
    load.busy = 2;
    const third = slots.acquire(abort.signal);
    abort.abort(new Error("stop"));
    await expect(third).rejects.toThrow("stop");
  });

  it("never takes the slots reserved for interactive calls", async () => {
    const slots = new ModelSlots(() => ({ slots: 2, reserved: 1, busy: 0, waiting: 0 }), 64);
    const signal = new AbortController();
    await slots.acquire(signal.signal);
    const second = slots.acquire(signal.signal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    signal.abort(new Error("still waiting"));
    await expect(second).rejects.toThrow("still waiting");
  });
});
