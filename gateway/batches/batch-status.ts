import { ConflictError } from "../errors.ts";

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
 * (an invalid input file); validating / in_progress → cancelling → cancelled. `finalizing` lasts as long as
 * the transaction that writes the output files, so callers see its timestamp (`finalizing_at`) rather than
 * the status itself.
 */
const NEXT: Record<BatchStatus, readonly BatchStatus[]> = {
  validating: ["in_progress", "failed", "cancelling", "expired"],
  in_progress: ["finalizing", "cancelling", "expired"],
  finalizing: ["completed", "expired", "failed"],
  cancelling: ["cancelled"],
  completed: [],
  failed: [],
  expired: [],
  cancelled: [],
};

/** Throws a 409 when a caller asks for a move the machine forbids (e.g. cancelling a completed batch). */
export function assertCanMoveTo(from: BatchStatus, to: BatchStatus): void {
  if (!NEXT[from].includes(to)) {
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
