import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./request-context.ts";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts the caller's `x-request-id` (when it is a sane token) or makes one, and echoes it on the response. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestIdMiddleware(c, next) {
    const given = c.req.header("x-request-id");
    const id = given !== undefined && SAFE_ID.test(given) ? given : randomUUID();
    c.set("requestId", id);
    c.set("startedAt", performance.now());
    c.set("labels", { task: "", modelVersion: "" });
    c.header("x-request-id", id);
    await next();
  };
}
