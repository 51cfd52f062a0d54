import type { WorkerMessage as PoolWorkerMessage } from "../../workers/worker-messages.ts";
import type { RecognitionResult } from "../ocr-engine.ts";

/** Fixed per worker, passed as `workerData`. */
export interface PpocrWorkerSettings {
  intraOpThreads: number;
  /** Longest side of the page (cropped to its content) the detector reads. */
  maxLongSide: number;
}

/** Main thread → worker. The image buffer is transferred, not copied. */
export interface RecognizeRequest {
  jobId: number;
  image: Uint8Array;
}

/** What a failed recognition reports besides its `jobId`. */
export interface RecognizeFailure {
  message: string;
  reason: "invalid-image" | "internal";
}

/** Worker → main thread; `T` is the job's result. */
export type WorkerMessage<T = RecognitionResult> = PoolWorkerMessage<T, RecognizeFailure>;
