import { Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/** The browser UI (served at `WEB_UI_PATH`). */
export function webRoutes(_deps: AppDependencies) {
  return new Hono<AppEnv>();
}
