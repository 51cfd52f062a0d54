import { Hono } from "hono";
import { hashPlainKeys, matchApiKey } from "../auth/api-keys.ts";
import { AuthenticationError } from "../errors.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { presentedCredential } from "../http/require-auth.ts";

/** `GET /metrics`: Prometheus text from the app's own registry; behind `METRICS_TOKEN` when it is set. */
export function metricsRoute({ metrics, config }: AppDependencies) {
  const token = config.METRICS_TOKEN ? hashPlainKeys([config.METRICS_TOKEN]) : undefined;
  return new Hono<AppEnv>().get("/metrics", async (c) => {
    if (token) {
      const presented = presentedCredential(c.req.header("authorization"), undefined);
      if (presented === undefined || !matchApiKey(token, presented)) {
        throw new AuthenticationError(
          "invalid_metrics_token",
          "GET /metrics needs `Authorization: Bearer <METRICS_TOKEN>`.",
          {
            headers: { "www-authenticate": 'Bearer realm="metrics"' },
          },
        );
      }
    }
    c.header("content-type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });
}
