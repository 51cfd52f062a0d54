import type { Context } from "hono";
import type { AppEnv } from "./request-context.ts";

/** Who owns what this request creates: the API key or JWT subject (one anonymous owner with auth off). */
export function requestOwner(c: Context<AppEnv>): string {
  const principal = c.get("principal");
  return principal ? `${principal.kind}:${principal.id}` : "anonymous:anonymous";
}
