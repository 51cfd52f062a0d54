import type { BatchStatus } from "./batch-status.ts";

/** The endpoints a batch line may call: the gateway's two synchronous model routes. */
export const BATCH_ENDPOINTS = ["/v1/chat/completions", "/v1/ocr"] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

/** One entry of OpenAI's `errors.data`: why the input file was refused, with the line it concerns. */
export interface BatchInputError {
  code: string;
  message: string;
  line: number | null;
  param: string | null;
}

/** Timestamps (Unix seconds) the status machine sets; `null` until the batch reaches that state. */
export interface BatchTimestamps {
  created_at: number;
  in_progress_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  expires_at: number;
}

/** A batch as stored: one record, shown as OpenAI's `Batch` or as Mistral's `BatchJob`. */
export interface BatchRecord extends BatchTimestamps {
  id: string;
  /** The API key or JWT subject that created it; nobody else sees it. */
  owner: string;
  /** Which API created it: decides the input line format (Mistral lines need only a `body`). */
  api: "openai" | "mistral";
  endpoint: BatchEndpoint;
  /** The model every line uses unless its body names one (Mistral's `model`). */
  model: string | null;
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  metadata: Record<string, string> | null;
  webhook_url: string | null;
  output_file_id: string | null;
  error_file_id: string | null;
  errors: BatchInputError[];
  request_counts: { total: number; completed: number; failed: number };
  usage: { input_tokens: number; output_tokens: number };
}
