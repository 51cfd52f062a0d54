import { Hono } from "hono";
import { MethodNotAllowedError, NotFoundError } from "./errors.ts";
import { accessLog } from "./http/access-log.ts";
import { allowedMethodsOf } from "./http/allowed-methods.ts";
import { errorHandler } from "./http/error-handler.ts";
import type { AppDependencies, AppEnv } from "./http/request-context.ts";
import { requestId } from "./http/request-id.ts";
import { requireAuth } from "./http/require-auth.ts";
import { mcpRoute } from "./mcp/mcp-route.ts";
import { openApiRoutes } from "./openapi/openapi-routes.ts";
import { batchesRoute } from "./routes/batches.ts";
import { cacheRoutes } from "./routes/cache.ts";
import { chatCompletionsRoute } from "./routes/chat-completions.ts";
import { filesRoute } from "./routes/files.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoute } from "./routes/metrics.ts";
import { mistralBatchJobsRoute } from "./routes/mistral-batch-jobs.ts";
import { modelsRoute } from "./routes/models.ts";
import { ocrRoute } from "./routes/ocr.ts";
import { ocrJobsRoute } from "./routes/ocr-jobs.ts";
import { tasksRoute } from "./routes/tasks.ts";
import { webRoutes } from "./web/web-routes.ts";

/** Builds the gateway's Hono app from its dependencies. Opens no sockets and reads no environment. */
export function createApp(deps: AppDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const onError = errorHandler(deps.logger, deps.metrics);
  app.onError(onError);
  let allowedMethods: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    // Built on first use: by then every route below is registered.
    allowedMethods ??= allowedMethodsOf(app.routes);
    const allowed = allowedMethods(c.req.path);
    // A route of this very method that passed (e.g. an unknown asset name) means the thing is not there.
    const error =
      allowed.length > 0 && !allowed.includes(c.req.method)
        ? new MethodNotAllowedError(
            "method_not_allowed",
            `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(", ")}.`,
            { headers: { allow: allowed.join(", ") } },
          )
        : new NotFoundError("route_not_found", `No route for ${c.req.method} ${c.req.path}.`);
    return onError(error, c);
  });

  app.use("*", requestId());
  app.use("*", accessLog(deps.logger, deps.metrics, deps.backend.name));

  app.use("/v1/*", requireAuth(deps.authenticator, deps.rateLimiter));
  app.use("/mcp/*", requireAuth(deps.authenticator, deps.rateLimiter));

  app.route("/", healthRoutes(deps));
  app.route("/", metricsRoute(deps));
  app.route("/", modelsRoute(deps));
  app.route("/", chatCompletionsRoute(deps));
  app.route("/", tasksRoute(deps));
  app.route("/", ocrRoute(deps));
  if (deps.jobs) app.route("/", ocrJobsRoute(deps, deps.jobs));
  if (deps.batches) {
    app.route("/", filesRoute(deps, deps.batches.stores));
    app.route("/", batchesRoute(deps, deps.batches.stores));
    app.route("/", mistralBatchJobsRoute(deps, deps.batches.stores));
  }
  app.route("/", cacheRoutes(deps));
  app.route("/", mcpRoute(deps));
  app.route("/", openApiRoutes(deps));
  app.route("/", webRoutes(deps));
  return app;
}
