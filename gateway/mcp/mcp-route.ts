import { Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/** The MCP server over Streamable HTTP at `/mcp`. */
export function mcpRoute(_deps: AppDependencies) {
  return new Hono<AppEnv>();
}
