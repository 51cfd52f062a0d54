import type { RecognitionResult } from "../ocr-engine.ts";

/** Fixed per worker, passed as `workerData`. */
export interface PpocrWorkerSettings {
  intraOpThreads: number;
  maxLongSide: number;
  strategy: "per-box" | "per-line";
}

/** Main thread → worker. The image buffer is transferred, not copied. */
export interface RecognizeRequest {
  jobId: number;
  image: Uint8Array;
}

/** Worker → main thread; `T` is the job's result. */
export type WorkerMessage<T = RecognitionResult> =
  | { type: "ready"; loadMs: number }
  | { type: "load-failed"; message: string; missingModule: boolean }
  | { type: "result"; jobId: number; result: T }
  | { type: "failed"; jobId: number; message: string; reason: "invalid-image" | "internal" };

/** True for the error of an import that could not be resolved (a package left out by `--omit=optional`). */
export function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}
