import { ownerCachePolicy } from "../../cache/owner-cache-policy.ts";
import { GatewayError, NotFoundError } from "../../errors.ts";
import type { OcrBackend } from "../../ocr/ocr-backend.ts";
import type { OcrServiceDependencies } from "../../ocr/ocr-service.ts";
import { openOcrTask } from "../../ocr/ocr-service.ts";
import { runOcr } from "../../ocr/run-ocr.ts";
import type { JobStore, UnitOutcome, WorkUnit } from "../store/job-store.ts";
import type { CapacityGate } from "../worker/capacity-gate.ts";
import type { UnitContext, UnitHandler } from "../worker/job-worker.ts";
import { shouldRetry } from "../worker/unit-retry.ts";
import type { JobDocuments } from "./job-documents.ts";
import { failedPage, type OcrJobParams, type OcrPagePayload } from "./ocr-job-params.ts";

async function openJobDocument(
  deps: OcrServiceDependencies,
  store: JobStore,
  jobId: string,
  signal: AbortSignal,
) {
  const [job, input] = await Promise.all([store.getJob(jobId), store.getInput(jobId)]);
  if (!job || !input) throw new NotFoundError("job_input_gone", "The job's document is no longer stored.");
  const params = job.params as OcrJobParams;
  return openOcrTask(deps, {
    request: params.request,
    source: { kind: "upload", bytes: input, name: undefined },
    shape: params.shape,
    requestId: jobId,
    signal,
    // The finalize unit renders the job's archive file from the pages read here.
    rendersArchiveFormats: true,
    cache: ownerCachePolicy(job.owner, params.cache),
  });
}

/**
 * Reads one page of an OCR job: opens the job's document (once per process, see `JobDocuments`), renders the
 * page and runs the task on it, exactly as `/v1/ocr` does for that page (the owner's result cache included:
 * a page read before is not read again, and a page read here is kept). The page's result is the unit's
 * checkpoint and its `page.done` event. A page the model cannot read is recorded as a failed page; transient
 * failures (overload, timeouts) are thrown so the worker retries them later.
 */
export function ocrPageHandler(
  deps: OcrServiceDependencies,
  documents: JobDocuments,
  slots: CapacityGate,
): UnitHandler {
  // The page is rendered first, then waits for a free model slot: rendering overlaps other pages' reading.
  const backend: OcrBackend = {
    name: deps.ocr.name,
    imageLimits: deps.ocr.imageLimits,
    capabilities: (task) => deps.ocr.capabilities(task),
    prepareTask: (task, options, route) => deps.ocr.prepareTask(task, options, route),
    async runPage(page, task, context) {
      const release = await slots.acquire(context.signal);
      try {
        return await deps.ocr.runPage(page, task, context);
      } finally {
        release();
      }
    },
  };
  return async function readJobPage(unit: WorkUnit, { signal, store }: UnitContext): Promise<UnitOutcome> {
    const jobId = unit.jobId as string;
    const { index } = unit.payload as OcrPagePayload;
    try {
      const result = await documents.with(
        jobId,
        () => openJobDocument(deps, store, jobId, signal),
        async ({ document, prepared, cache }) => {
          const page = document.pages.find((candidate) => candidate.index === index);
          if (!page) throw new NotFoundError("page_not_found", `Page ${index} is not in the document.`);
          const [read] = await runOcr({
            backend,
            task: prepared,
            document: { ...document, pages: [page] },
            concurrency: 1,
            requestId: jobId,
            signal,
            metrics: deps.metrics,
            pageCache: cache,
          });
          // The page is final (its unit is checkpointed next): its answer may be kept now.
          await cache?.commit();
          return read;
        },
      );
      if (!result) throw new NotFoundError("page_not_found", `Page ${index} was not read.`);
      return { kind: "done", result, event: { event: "page.done", data: result } };
    } catch (error) {
      if (signal.aborted || !(error instanceof GatewayError) || shouldRetry(error)) throw error;
      const page = failedPage(index, { code: error.code, message: error.message });
      return {
        kind: "failed",
        error: page.error ?? { code: error.code, message: error.message },
        result: page,
        event: { event: "page.done", data: page },
      };
    }
  };
}
