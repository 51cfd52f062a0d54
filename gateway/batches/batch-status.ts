import { ConflictError } from "./batch-errors.ts";

/** OpenAI's batch statuses. */
export const BATCH_STATUSES = [
  "validating",
  "in_progress",
  "finalizing",
  "completed",
  "failed",
  "expired",
  "cancelling",
  "cancelled",
] as const;

export type BatchStatus = (typeof BATCH_STATUSES)[number];

/**
 * The status machine: validating → in_progress → finalizing → completed / expired; validating → failed
 * (an invalid input file); validating / in_progress → cancelling → cancelled. Expiry and cancellation both
 * pass through a state in which the partial output files are written.
 */
const NEXT: Record<BatchStatus, readonly BatchStatus[]> = {
  validating: ["in_progress", "failed", "cancelling"],
  in_progress: ["finalizing", "cancelling"],
  finalizing: ["completed", "expired", "failed"],
  cancelling: ["cancelled"],
  completed: [],
  failed: [],
  expired: [],
  cancelled: [],
};

export function canMoveTo(from: BatchStatus, to: BatchStatus): boolean {
  return NEXT[from].includes(to);
}

export function isTerminal(status: BatchStatus): boolean {
  return NEXT[status].length === 0;
}

/** Throws a 409 when a caller asks for a move the machine forbids (e.g. cancelling a completed batch). */
export function assertCanMoveTo(from: BatchStatus, to: BatchStatus): void {
  if (!canMoveTo(from, to)) {
    throw new ConflictError("invalid_batch_status", `A batch that is ${from} cannot become ${to}.`);
  }
}

/** Mistral's `BatchJobStatus` for each of OpenAI's statuses. */
export const MISTRAL_STATUS: Record<BatchStatus, string> = {
  validating: "QUEUED",
  in_progress: "RUNNING",
  finalizing: "RUNNING",
  completed: "SUCCESS",
  failed: "FAILED",
  expired: "TIMEOUT_EXCEEDED",
  cancelling: "CANCELLATION_REQUESTED",
  cancelled: "CANCELLED",
};
