import type { Logger } from "pino";
import { toErrorEnvelope } from "../../errors.ts";
import { buildOcrResponse } from "../../ocr/ocr-response.ts";
import type { OcrServiceDependencies } from "../../ocr/ocr-service.ts";
import type { PageResult } from "../../ocr/ocr-types.ts";
import { invalidModelOutput } from "../../ocr/vllm-page-reader.ts";
import { isArchiveFormat } from "../../output-formats/output-format.ts";
import {
  type JobError,
  type JobStore,
  TERMINAL_STATUSES,
  type UnitOutcome,
  type WorkUnit,
} from "../store/job-store.ts";
import type { UnitContext, UnitHandler } from "../worker/job-worker.ts";
import type { JobDocuments } from "./job-documents.ts";
import { failedPage, OCR_PAGE_KIND, type OcrJobParams } from "./ocr-job-params.ts";
import { renderJobOutput } from "./render-job-output.ts";

export interface FinalizeSettings {
  resultTtlMs: number;
  now: () => number;
  logger?: Logger;
}

async function failJob(
  store: JobStore,
  jobId: string,
  error: JobError,
  envelope: unknown,
  settings: FinalizeSettings,
  now: number,
) {
  await store.finishJob(jobId, {
    status: "failed",
    error,
    event: { event: "error", data: envelope },
    now,
    resultTtlMs: settings.resultTtlMs,
  });
}

/**
 * Builds an OCR job's answer from its checkpointed pages, the same body `/v1/ocr` returns, and ends the job:
 * `completed`, or `failed` (502 `invalid_model_output`, as `/v1/ocr` answers) when no page could be read.
 * A job asked for an archive `output_format` also gets its file rendered here, while its document is still
 * stored, and kept with the result (in the same transaction); a file that cannot be written fails the job
 * with `output_render_failed`. Run again after a crash, it renders again: only one run can end the job.
 */
export function ocrFinalizeHandler(
  deps: OcrServiceDependencies,
  documents: JobDocuments,
  settings: FinalizeSettings,
): UnitHandler {
  return async function finalizeOcrJob(unit: WorkUnit, { store }: UnitContext): Promise<UnitOutcome> {
    const jobId = unit.jobId as string;
    await documents.close(jobId);
    const job = await store.getJob(jobId);
    if (!job || TERMINAL_STATUSES.has(job.status)) return { kind: "done", result: null };
    const params = job.params as OcrJobParams;
    const units = await store.unitResults(jobId, OCR_PAGE_KIND);
    const pages = units.map(
      (page) =>
        (page.result as PageResult | null) ??
        failedPage(params.pages[page.seq] ?? page.seq, {
          code: "page_failed",
          message: "The page could not be read.",
        }),
    );
    if (pages.length > 0 && pages.every((page) => page.error != null)) {
      const error = invalidModelOutput(pages[0]?.error?.message ?? "no page could be read");
      const failure = { code: error.code, message: error.message };
      await failJob(store, jobId, failure, toErrorEnvelope(error), settings, settings.now());
      return { kind: "done", result: null };
    }
    const task = deps.tasks.get(params.task);
    const response = buildOcrResponse({
      requestId: jobId,
      model: deps.models.served,
      task: task.name,
      backend: deps.ocr.name,
      structured: task.structuredOutput,
      pages,
      docSizeBytes: params.docSizeBytes,
    });
    const format = params.request.output_format;
    let output: Awaited<ReturnType<typeof renderJobOutput>> | undefined;
    if (isArchiveFormat(format)) {
      output = await renderJobOutput({
        format,
        response,
        input: await store.getInput(jobId),
        documentName: params.documentName,
        createdAt: new Date(settings.now()),
        limits: deps.ocr.imageLimits,
      });
      if (!output.ok) {
        if (output.cause !== undefined)
          settings.logger?.error({ err: String(output.cause), jobId, format }, "job output render failed");
        const envelope = { error: { ...output.error, type: "job_error", param: "output_format" } };
        await failJob(store, jobId, output.error, envelope, settings, settings.now());
        return { kind: "done", result: null };
      }
    }
    await store.finishJob(jobId, {
      status: "completed",
      result: response,
      ...(output?.ok ? { output: output.output } : {}),
      event: { event: "done", data: response },
      now: settings.now(),
      resultTtlMs: settings.resultTtlMs,
    });
    return { kind: "done", result: null };
  };
}
