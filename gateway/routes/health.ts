import { Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/**
 * `/health`: the process is alive. `/ready`: the backend can take work (some upstream answers `/health`). The
 * job store's state is reported (`job_store`) but does not fail readiness: with the database down, `/v1/ocr`
 * and chat still work and only the job routes answer 503.
 */
export function healthRoutes({ backend, jobs }: AppDependencies) {
  return new Hono<AppEnv>()
    .get("/health", (c) => c.json({ status: "ok" }))
    .get("/ready", async (c) => {
      const [status, store] = await Promise.all([backend.checkReady(c.req.raw.signal), jobs?.health()]);
      return c.json(
        { status: status.ready ? "ready" : "unavailable", ...status, ...(store ? { job_store: store } : {}) },
        status.ready ? 200 : 503,
      );
    });
}
