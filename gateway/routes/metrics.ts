import { Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/** `GET /metrics`: Prometheus text from the app's own registry. */
export function metricsRoute({ metrics }: AppDependencies) {
  return new Hono<AppEnv>().get("/metrics", async (c) => {
    c.header("content-type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });
}
