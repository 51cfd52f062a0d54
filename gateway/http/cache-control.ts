import type { Principal } from "../auth/authenticator.ts";
import type { CachePolicy } from "../cache/result-cache.ts";

/**
 * What a request's `Cache-Control` lets the result cache do (RFC 9111 §5.2.1): `no-cache` reads the document
 * afresh (the fresh answer is still stored), `no-store` keeps this answer out of the cache.
 */
export function cachePolicyFrom(header: string | undefined, principal: Principal | undefined): CachePolicy {
  const directives = new Set(
    (header ?? "")
      .toLowerCase()
      .split(",")
      .map((directive) => directive.trim().split("=")[0]),
  );
  return { principal, lookup: !directives.has("no-cache"), store: !directives.has("no-store") };
}
