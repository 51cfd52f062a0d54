import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import {
  ClientAbortedError,
  type GatewayError,
  PayloadTooLargeError,
  toErrorEnvelope,
  toGatewayError,
} from "../errors.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import { clientGone } from "./client-signal.ts";
import type { AppEnv } from "./request-context.ts";

function asGatewayError(error: unknown): GatewayError {
  if (error instanceof HTTPException && error.status === 413) {
    return new PayloadTooLargeError(
      "body_too_large",
      "The request body is larger than the configured limit.",
    );
  }
  return toGatewayError(error);
}

/**
 * The only writer of error responses: `{"error":{message,type,param,code}}`, with the request id header. A
 * request whose client went away — whatever error that caused downstream (a dropped upload, an aborted
 * upstream call) — is recorded as a client abort: status 499, logged at info, never counted as an error.
 */
export function errorHandler(logger: Logger, metrics: GatewayMetrics): ErrorHandler<AppEnv> {
  return function onError(error, c) {
    const failure =
      error instanceof ClientAbortedError || clientGone(c)
        ? new ClientAbortedError({ cause: error })
        : asGatewayError(error);
    const log = { requestId: c.get("requestId"), code: failure.code, status: failure.status };
    if (failure instanceof ClientAbortedError) {
      logger.info(log, "client aborted");
      return c.body(null, 499 as 400);
    }
    metrics.errors.inc({ code: failure.code, status: failure.status });
    if (failure.status >= 500) logger.error({ ...log, err: failure.cause ?? failure }, "request failed");
    else logger.debug(log, "request rejected");
    for (const [name, value] of Object.entries(failure.headers)) c.header(name, value);
    if (failure.status >= 500 && failure.retryable === false) c.header("x-should-retry", "false");
    return c.json(toErrorEnvelope(failure), failure.status as 400);
  };
}
