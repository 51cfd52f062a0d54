import { Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/** `/openapi.json` and the API reference page. */
export function openApiRoutes(_deps: AppDependencies) {
  return new Hono<AppEnv>();
}
