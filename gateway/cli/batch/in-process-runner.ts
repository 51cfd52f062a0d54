import type { AppDependencies } from "../../http/request-context.ts";
import { prepareOcrJob } from "../../ocr/ocr-service.ts";
import { toOcrRequest } from "./document-options.ts";
import type { OcrRunner } from "./ocr-runner.ts";

/**
 * Pages to start with: what the configured backend reads at once (every vLLM replica's
 * `UPSTREAM_MAX_CONCURRENCY`, or the embedded engine's workers and queue) plus a quarter more, so a page is
 * already prepared and queued when a slot frees (otherwise each slot idles while the next page is decoded).
 * Capped so a batch does not hold hundreds of decoded pages in memory; the adaptive limit moves on from here.
 */
function startingConcurrency(deps: AppDependencies): number {
  const { config } = deps;
  const replicas = vllmReplicas(deps);
  const capacity =
    replicas > 0
      ? replicas * config.UPSTREAM_MAX_CONCURRENCY
      : config.EMBEDDED_WORKERS + config.EMBEDDED_MAX_QUEUE;
  return Math.min(capacity + Math.max(2, Math.ceil(capacity / 4)), 64);
}

/** vLLM replicas of every model version (`VLLM_URL` or `UPSTREAMS_FILE`); 0 for the embedded engine. */
function vllmReplicas(deps: AppDependencies): number {
  return deps.release.versions.reduce((sum, version) => sum + version.spec.replicas.length, 0);
}

/**
 * Reads documents with the gateway's own OCR service (`prepareOcrJob`, the code behind `/v1/ocr`) and the
 * backend the environment configures, so a batch's answers are the ones `/v1/ocr` would give. The document
 * is opened (and its pages counted) before it waits for admission, so the wait is for the model only.
 */
export function createInProcessRunner(deps: AppDependencies): OcrRunner {
  const runId = `batch-${process.pid.toString(36)}-${Date.now().toString(36)}`;
  let sequence = 0;
  const replicas = vllmReplicas(deps);
  return {
    description:
      replicas > 0
        ? `in-process, vLLM (${replicas} replica${replicas > 1 ? "s" : ""})`
        : `in-process, ${deps.ocr.name} engine`,
    initialConcurrency: startingConcurrency(deps),
    pageConcurrency: deps.config.PAGE_CONCURRENCY,
    async run(input, admit, signal) {
      const job = await prepareOcrJob(deps, {
        request: toOcrRequest(input.options),
        source: { kind: "upload", bytes: input.bytes, name: input.name },
        shape: "multipart",
        requestId: `${runId}-${++sequence}`,
        signal,
      });
      let permit: Awaited<ReturnType<typeof admit>>;
      try {
        permit = await admit(job.pageCount);
      } catch (error) {
        await job.close();
        throw error;
      }
      const started = performance.now();
      try {
        const response = await job.run();
        permit.release({ pages: job.pageCount, elapsedMs: performance.now() - started });
        return response;
      } finally {
        permit.release();
      }
    },
    async fetchUrl(url, signal) {
      return (await deps.fetcher.fetchRemoteFile(url, signal)).bytes;
    },
    async close() {
      await deps.backend.close();
      await deps.pdf.close();
    },
  };
}
