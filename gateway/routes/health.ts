import { Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/**
 * `/health`: the process is alive. `/ready`: the backend can take work (some upstream answers `/health`). The
 * job store's and the batch store's states (`job_store`, `batch_store`), the PDF renderer's and, with `REDIS_URL`, Redis's (`redis`) are reported but
 * do not fail readiness: without them `/v1/ocr` and chat still work.
 */
export function healthRoutes({ backend, pdf, redis, jobs, batches }: AppDependencies) {
  return new Hono<AppEnv>()
    .get("/health", (c) => c.json({ status: "ok" }))
    .get("/ready", async (c) => {
      const [status, store, batchStore] = await Promise.all([
        backend.checkReady(c.req.raw.signal),
        jobs?.health(),
        batches?.health(),
      ]);
      // The PDF renderer's state is reported, not judged: its deadlines free a stuck worker within PDF_PAGE_TIMEOUT_MS.
      const detail = pdf.stats ? { ...status.detail, pdf_renderer: await pdf.stats() } : status.detail;
      const shared = redis ? { redis: redis.status() } : {};
      return c.json(
        {
          status: status.ready ? "ready" : "unavailable",
          ...status,
          detail,
          ...shared,
          ...(store ? { job_store: store } : {}),
          ...(batchStore ? { batch_store: batchStore } : {}),
        },
        status.ready ? 200 : 503,
      );
    });
}
