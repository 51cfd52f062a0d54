import { Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/**
 * `/health`: the process is alive. `/ready`: the backend can take work (some upstream answers `/health`); with
 * `REDIS_URL`, `redis` says whether shared state is connected.
 */
export function healthRoutes({ backend, pdf, redis }: AppDependencies) {
  return new Hono<AppEnv>()
    .get("/health", (c) => c.json({ status: "ok" }))
    .get("/ready", async (c) => {
      const status = await backend.checkReady(c.req.raw.signal);
      // The PDF renderer's state is reported, not judged: its deadlines free a stuck worker within PDF_PAGE_TIMEOUT_MS.
      const detail = pdf.stats ? { ...status.detail, pdf_renderer: await pdf.stats() } : status.detail;
      // Redis only shares limits and cached results: without it the gateway still serves, so it never makes this 503.
      const shared = redis ? { redis: redis.status() } : {};
      return c.json(
        { status: status.ready ? "ready" : "unavailable", ...status, detail, ...shared },
        status.ready ? 200 : 503,
      );
    });
}
