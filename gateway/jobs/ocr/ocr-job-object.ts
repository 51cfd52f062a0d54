import type { WebhookDeliveryView } from "../../webhooks/webhook-delivery.ts";
import type { JobOutputInfo, JobRecord } from "../store/job-store.ts";
import type { OcrJobParams } from "./ocr-job-params.ts";

const seconds = (ms: number | null): number | null => (ms == null ? null : Math.floor(ms / 1000));

/** Where a job's output file is downloaded (`GET`, the job owner's credentials). */
export function ocrJobContentPath(jobId: string): string {
  return `/v1/ocr/jobs/${jobId}/content`;
}

/** The `output` entry of a job object: the archive file the job wrote, and where to download it. */
export function ocrJobOutputObject(jobId: string, output: JobOutputInfo): Record<string, unknown> {
  return {
    object: "ocr.job.output",
    format: output.format,
    content_type: output.contentType,
    filename: output.filename,
    bytes: output.bytes,
    download_path: ocrJobContentPath(jobId),
  };
}

/**
 * An OCR job as the API shows it (OpenAI's object conventions: `object`, Unix-second timestamps, `metadata`).
 * `result` is the `/v1/ocr` answer, present once the job completed, and only with `withResult`; `output`
 * describes the archive file of a completed job asked for `output_format` pdf/alto/hocr (null otherwise);
 * `webhook_deliveries` (the deliveries of the job's events and their attempts) only when given.
 */
export function ocrJobObject(
  job: JobRecord,
  model: string,
  withResult: boolean,
  output?: JobOutputInfo,
  deliveries?: WebhookDeliveryView[],
): Record<string, unknown> {
  const params = job.params as OcrJobParams;
  return {
    id: job.id,
    object: "ocr.job",
    status: job.status,
    model,
    task: params.task,
    output_format: params.request.output_format ?? "json",
    created_at: seconds(job.createdAt),
    started_at: seconds(job.startedAt),
    ended_at: seconds(job.endedAt),
    expires_at: seconds(
      job.status === "queued" || job.status === "in_progress" ? job.expiresAt : job.resultExpiresAt,
    ),
    pages_total: job.unitsTotal,
    pages_done: job.unitsDone + job.unitsFailed,
    pages_failed: job.unitsFailed,
    metadata: job.metadata ?? {},
    webhook_url: job.webhookUrl,
    error: job.error,
    ...(withResult
      ? {
          result: job.status === "completed" ? job.result : null,
          output: output && job.status === "completed" ? ocrJobOutputObject(job.id, output) : null,
        }
      : {}),
    ...(deliveries ? { webhook_deliveries: deliveries } : {}),
  };
}
