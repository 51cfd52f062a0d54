import type { MiddlewareHandler } from "hono";
import type { Authenticator } from "../auth/authenticator.ts";
import type { RateLimiter } from "../auth/rate-limiter.ts";
import type { AppEnv } from "./request-context.ts";

/** The credential from `Authorization: Bearer …` or `x-api-key`. */
export function presentedCredential(
  authorization: string | undefined,
  apiKey: string | undefined,
): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim();
  return bearer ?? apiKey?.trim();
}

/** Lets a request through only with valid credentials (when any are configured), then applies rate limits. */
export function requireAuth(authenticator: Authenticator, limiter?: RateLimiter): MiddlewareHandler<AppEnv> {
  return async function requireAuthMiddleware(c, next) {
    const principal = await authenticator.authenticate(
      presentedCredential(c.req.header("authorization"), c.req.header("x-api-key")),
    );
    c.set("principal", principal);
    await limiter?.take(`${principal.kind}:${principal.id}`);
    await next();
  };
}
