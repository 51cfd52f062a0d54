import type { BackendLoad } from "../../ocr/ocr-backend.ts";

/** One background worker's share of the model slots: what it may claim, and the slot each model call takes. */
export interface CapacityGate {
  /** How many more model-using units the worker may claim, given how many of its own are running. */
  spare(running: number): number;
  /** Waits for a free model slot and takes it; call the returned function when the model call ended. */
  acquire(signal: AbortSignal): Promise<() => void>;
}

export interface ModelSlotsOptions {
  /**
   * How long the reserved slots stay reserved after interactive calls were last seen. Until interactive
   * traffic arrives, background work fills every slot.
   */
  reserveHoldMs?: number;
  now?: () => number;
}

/** Fallback poll while waiting for a slot freed by an interactive call (background releases wake at once). */
const SLOT_POLL_MS = 5;
export const RESERVE_HOLD_MS = 10_000;

/**
 * Background work (job pages, batch lines) fills only the backend's spare model slots. Units are claimed up
 * to the slots plus a few ahead (`prefetch`: pages rendered while others are read, so a slot that frees is
 * refilled at once), but a unit calls the model only through `acquire`, which waits until a slot is free of
 * interactive calls and of background ones (every worker of the process shares one `ModelSlots`).
 *
 * The `reserved` slots are kept for interactive calls only while interactive traffic was seen in the last
 * `reserveHoldMs`: a call the background did not make is running (`busy` exceeds the background's own calls)
 * or calls queue in the gateway. When traffic arrives after a quiet spell, its first call waits in the model
 * server for at most one running background call to end; from then on background work backs off. Nothing is
 * claimed while calls queue in the gateway.
 */
export class ModelSlots {
  #sending = 0;
  #interactiveAt = Number.NEGATIVE_INFINITY;
  readonly #wakers = new Set<() => void>();
  readonly #holdMs: number;
  readonly #now: () => number;

  constructor(
    private readonly load: () => BackendLoad,
    options: ModelSlotsOptions = {},
  ) {
    this.#holdMs = options.reserveHoldMs ?? RESERVE_HOLD_MS;
    this.#now = options.now ?? Date.now;
  }

  /** A worker's view: at most `maxInFlight` units of its own, claiming `prefetch` beyond the usable slots. */
  gate(maxInFlight: number, prefetch = 4): CapacityGate {
    return {
      spare: (running) => {
        const { usable, waiting } = this.#observe();
        if (waiting > 0) return 0;
        return Math.max(0, Math.min(usable + prefetch, maxInFlight) - running);
      },
      acquire: (signal) => this.acquire(signal),
    };
  }

  /** Whether the reserved slots are being kept for interactive calls now. */
  get reserving(): boolean {
    this.#observe();
    return this.#now() - this.#interactiveAt < this.#holdMs;
  }

  #observe(): { usable: number; busy: number; waiting: number; slots: number } {
    const { slots, busy, waiting, reserved = 0 } = this.load();
    // `busy` counts background calls once they reached the upstream pool, `#sending` counts them already: more
    // calls running than the background has made means interactive ones are.
    if (waiting > 0 || busy > this.#sending) this.#interactiveAt = this.#now();
    const reserving = this.#now() - this.#interactiveAt < this.#holdMs;
    return { usable: reserving ? slots - reserved : slots, busy, waiting, slots };
  }

  #free(): boolean {
    const { usable, busy, waiting, slots } = this.#observe();
    return waiting === 0 && this.#sending < usable && Math.max(busy, this.#sending) < slots;
  }

  async acquire(signal: AbortSignal): Promise<() => void> {
    while (!this.#free()) {
      signal.throwIfAborted();
      await this.#change(signal);
    }
    this.#sending++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#sending--;
      for (const wake of this.#wakers) wake();
    };
  }

  /** Resolves when a background call ends, after a short poll (interactive calls end unseen), or on abort. */
  #change(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, SLOT_POLL_MS);
      this.#wakers.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}
