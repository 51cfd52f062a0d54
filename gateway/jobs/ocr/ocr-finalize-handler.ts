import { toErrorEnvelope } from "../../errors.ts";
import { buildOcrResponse } from "../../ocr/ocr-response.ts";
import type { OcrServiceDependencies } from "../../ocr/ocr-service.ts";
import type { PageResult } from "../../ocr/ocr-types.ts";
import { invalidModelOutput } from "../../ocr/vllm-page-reader.ts";
import { TERMINAL_STATUSES, type UnitOutcome, type WorkUnit } from "../store/job-store.ts";
import type { UnitContext, UnitHandler } from "../worker/job-worker.ts";
import type { JobDocuments } from "./job-documents.ts";
import { failedPage, OCR_PAGE_KIND, type OcrJobParams } from "./ocr-job-params.ts";

export interface FinalizeSettings {
  resultTtlMs: number;
  now: () => number;
}

/**
 * Builds an OCR job's answer from its checkpointed pages, the same body `/v1/ocr` returns, and ends the job:
 * `completed`, or `failed` (502 `invalid_model_output`, as `/v1/ocr` answers) when no page could be read.
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
    const now = settings.now();
    if (pages.length > 0 && pages.every((page) => page.error != null)) {
      const error = invalidModelOutput(pages[0]?.error?.message ?? "no page could be read");
      await store.finishJob(jobId, {
        status: "failed",
        error: { code: error.code, message: error.message },
        event: { event: "error", data: toErrorEnvelope(error) },
        now,
        resultTtlMs: settings.resultTtlMs,
      });
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
    await store.finishJob(jobId, {
      status: "completed",
      result: response,
      event: { event: "done", data: response },
      now,
      resultTtlMs: settings.resultTtlMs,
    });
    return { kind: "done", result: null };
  };
}
