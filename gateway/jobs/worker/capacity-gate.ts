import type { BackendLoad } from "../../ocr/ocr-backend.ts";

/** How many more model-using units a worker may start, given how many of its own are running. */
export interface CapacityGate {
  spare(running: number): number;
}

const SLOT_POLL_MS = 5;

/**
 * Background work fills only the backend's spare model slots. Units are claimed up to the slots plus a few
 * ahead (`prefetch`: pages rendered while others are read, so a slot that frees is refilled at once), but a
 * unit calls the model only through `acquire`, which waits until a slot is free of interactive calls and of
 * this worker's own, and never takes the `reserved` slots kept for interactive calls. Nothing is claimed while any call waits in the gateway's queue (interactive traffic is
 * queueing). Interactive requests never wait for batch work in the gateway; at most they wait in the model
 * server for one running batch page to end.
 */
export class ModelSlots implements CapacityGate {
  #sending = 0;

  constructor(
    private readonly load: () => BackendLoad,
    private readonly maxInFlight: number,
    private readonly prefetch = 4,
  ) {}

  spare(running: number): number {
    const { slots, waiting, reserved = 0 } = this.load();
    if (waiting > 0) return 0;
    return Math.max(0, Math.min(slots - reserved + this.prefetch, this.maxInFlight) - running);
  }

  #free(): boolean {
    const { slots, busy, waiting, reserved = 0 } = this.load();
    // `busy` counts this worker's calls once they reached the upstream pool; `#sending` counts them already.
    const own = Math.min(slots - reserved, this.maxInFlight);
    return waiting === 0 && this.#sending < own && Math.max(busy, this.#sending) < slots;
  }

  /** Waits for a free model slot and takes it; call the returned function when the model call ended. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    while (!this.#free()) {
      signal.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, SLOT_POLL_MS));
    }
    this.#sending++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#sending--;
    };
  }
}
