import { Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/** `/health`: the process is alive. `/ready`: the backend can take work (some upstream answers `/health`). */
export function healthRoutes({ backend }: AppDependencies) {
  return new Hono<AppEnv>()
    .get("/health", (c) => c.json({ status: "ok" }))
    .get("/ready", async (c) => {
      const status = await backend.checkReady(c.req.raw.signal);
      return c.json({ status: status.ready ? "ready" : "unavailable", ...status }, status.ready ? 200 : 503);
    });
}
