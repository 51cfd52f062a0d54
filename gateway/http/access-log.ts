import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Logger } from "pino";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { AppEnv } from "./request-context.ts";

/** nginx's "client closed request": what the access log records when the client hung up first. */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * Passes `body` through unchanged and reports once how it ended: `true` when the reader cancelled it (the
 * Node adapter does when the client disconnects), `false` when it was read to the end or failed.
 */
function observeEnd(
  body: ReadableStream<Uint8Array>,
  onEnd: (cancelled: boolean) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let ended = false;
  const end = (cancelled: boolean) => {
    if (ended) return;
    ended = true;
    onEnd(cancelled);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await reader.read();
          if (next.done) {
            end(false);
            controller.close();
          } else controller.enqueue(next.value);
        } catch (error) {
          end(false);
          controller.error(error);
        }
      },
      async cancel(reason) {
        end(true);
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function isEventStream(c: Context<AppEnv>): boolean {
  return c.res.body !== null && /^text\/event-stream/.test(c.res.headers.get("content-type") ?? "");
}

/**
 * One structured log line and the request metrics per request. Logs the path only (never the query string,
 * which may carry signed URLs) and no bodies. A streamed answer is logged when its stream ends, so a client
 * that hangs up midway is recorded as 499 and counted in `ocr_gateway_client_aborts_total`.
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
    } catch (error) {
      metrics.inFlight.dec();
      throw error;
    }
    const matched = routePath(c, -1);
    const route = matched.includes("*") ? "unmatched" : matched;
    const labels = c.get("labels");
    metrics.requestDuration.observe(
      { route, backend, model_version: labels.modelVersion },
      (performance.now() - c.get("startedAt")) / 1000,
    );
    const record = (status: number) => {
      metrics.inFlight.dec();
      const seconds = (performance.now() - c.get("startedAt")) / 1000;
      const { task, modelVersion } = labels;
      metrics.requests.inc({
        route,
        method: c.req.method,
        status,
        task,
        backend,
        model_version: modelVersion,
      });
      if (status === CLIENT_CLOSED_REQUEST) metrics.clientAborts.inc({ route });
      logger.info(
        {
          requestId: c.get("requestId"),
          method: c.req.method,
          path: c.req.path,
          status,
          task: task || undefined,
          modelVersion: modelVersion || undefined,
          ms: Math.round(seconds * 1000 * 10) / 10,
        },
        "request",
      );
    };
    if (!isEventStream(c)) {
      record(c.res.status);
      return;
    }
    const status = c.res.status;
    c.res = new Response(
      observeEnd(c.res.body as ReadableStream<Uint8Array>, (cancelled) =>
        record(cancelled ? CLIENT_CLOSED_REQUEST : status),
      ),
      c.res,
    );
  };
}
