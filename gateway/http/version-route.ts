import type { Context } from "hono";
import type { VersionRoute } from "../release/model-version.ts";
import type { AppEnv } from "./request-context.ts";

/**
 * What a request brings to the choice of a model version: its owner (API key name or JWT subject; none for
 * anonymous callers, who are then routed per request) and the version it pins with `x-model-version`.
 */
export function versionRoute(c: Context<AppEnv>): Pick<VersionRoute, "owner" | "pinned"> {
  const principal = c.get("principal");
  const owner = principal && principal.kind !== "anonymous" ? `${principal.kind}:${principal.id}` : undefined;
  return { owner, pinned: c.req.header("x-model-version")?.trim() || undefined };
}
