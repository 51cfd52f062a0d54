import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import { GatewayError, InternalError, PayloadTooLargeError, toErrorEnvelope } from "../errors.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { AppEnv } from "./request-context.ts";

function asGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof HTTPException && error.status === 413) {
    return new PayloadTooLargeError(
      "body_too_large",
      "The request body is larger than the configured limit.",
    );
  }
  return new InternalError("internal_error", "Internal server error", { cause: error });
}

/** The only writer of error responses: `{"error":{message,type,param,code}}`, with the request id header. */
export function errorHandler(logger: Logger, metrics: GatewayMetrics): ErrorHandler<AppEnv> {
  return function onError(error, c) {
    const failure = asGatewayError(error);
    metrics.errors.inc({ code: failure.code, status: failure.status });
    const log = { requestId: c.get("requestId"), code: failure.code, status: failure.status };
    if (failure.status >= 500) logger.error({ ...log, err: failure.cause ?? failure }, "request failed");
    else logger.debug(log, "request rejected");
    for (const [name, value] of Object.entries(failure.headers)) c.header(name, value);
    if (failure.status >= 500 && failure.retryable === false) c.header("x-should-retry", "false");
    return c.json(toErrorEnvelope(failure), failure.status as 400);
  };
}
