import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "pino";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { AppEnv } from "./request-context.ts";

/**
 * One structured log line and the request metrics per request. Logs the path only (never the query string,
 * which may carry signed URLs) and no bodies.
 */
export function accessLog(
  logger: Logger,
  metrics: GatewayMetrics,
  backend: string,
): MiddlewareHandler<AppEnv> {
  return async function accessLogMiddleware(c, next) {
    metrics.inFlight.inc();
    try {
      await next();
    } finally {
      metrics.inFlight.dec();
    }
    const seconds = (performance.now() - c.get("startedAt")) / 1000;
    const matched = routePath(c, -1);
    const route = matched.includes("*") ? "unmatched" : matched;
    const task = c.get("labels").task;
    const status = c.res.status;
    metrics.requests.inc({ route, method: c.req.method, status, task, backend });
    metrics.requestDuration.observe({ route, backend }, seconds);
    logger.info(
      {
        requestId: c.get("requestId"),
        method: c.req.method,
        path: c.req.path,
        status,
        task: task || undefined,
        ms: Math.round(seconds * 1000 * 10) / 10,
      },
      "request",
    );
  };
}
