import type { BackendLoad } from "../../ocr/ocr-backend.ts";

/** How many more model-using units a worker may start, given how many of its own are running. */
export interface CapacityGate {
  spare(running: number): number;
}

/**
 * Batch work fills only spare capacity: nothing while any call waits for a slot (interactive traffic is
 * queueing), and otherwise the slots not taken by interactive calls. Interactive calls are those not the
 * worker's own: `busy + waiting` minus its running units (an underestimate while its units render pages,
 * which errs towards leaving room). `maxInFlight` caps the worker whatever the backend reports.
 */
export function spareCapacityGate(load: () => BackendLoad, maxInFlight: number): CapacityGate {
  return {
    spare(running) {
      const { slots, busy, waiting } = load();
      if (waiting > 0) return 0;
      const used = Math.max(busy + waiting, running);
      return Math.max(0, Math.min(slots - used, maxInFlight - running));
    },
  };
}
