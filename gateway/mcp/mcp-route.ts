import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import { readRequestBody } from "../http/read-body.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { availableOcrTools, createOcrMcpServer } from "./create-mcp-server.ts";
import { InFlightCalls } from "./in-flight-calls.ts";
import { cancelledCalls, PARSE_ERROR, parseJsonRpcBody } from "./json-rpc-body.ts";

/** Ends a body stream unchanged and calls `done` when it has been read to the end. */
function onStreamEnd(done: () => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({ flush: done });
}

const methodNotAllowed = {
  jsonrpc: "2.0",
  error: {
    code: -32000,
    message: "Method not allowed: this MCP server is stateless, send JSON-RPC with POST.",
  },
  id: null,
};

/**
 * The MCP server over Streamable HTTP at `/mcp` (behind the same auth as `/v1`), stateless: every POST gets
 * its own server and transport, so replicas need no shared session state. GET (a standalone SSE stream for
 * server-initiated messages) and DELETE (ending a session) have nothing to do here: 405, as the spec allows.
 * A client's cancellation arrives in a later POST, so calls in flight are tracked across requests (by caller
 * and JSON-RPC id) for it to abort them. `MCP_ENABLED=false` leaves `/mcp` unrouted (404).
 */
export function mcpRoute(deps: AppDependencies) {
  const app = new Hono<AppEnv>();
  if (!deps.config.MCP_ENABLED) return app;
  const tools = availableOcrTools(deps);
  const inFlight = new InFlightCalls();
  const { MCP_ALLOWED_HOSTS: hosts, MCP_ALLOWED_ORIGINS: origins } = deps.config;
  // DNS-rebinding protection (the MCP spec asks servers to validate Origin): on when either list is set.
  const protection =
    hosts.length > 0 || origins.length > 0
      ? {
          enableDnsRebindingProtection: true,
          ...(hosts.length > 0 ? { allowedHosts: [...hosts] } : {}),
          ...(origins.length > 0 ? { allowedOrigins: [...origins] } : {}),
        }
      : {};

  return app
    .post("/mcp", async (c) => {
      const httpRequestId = c.get("requestId");
      const body = parseJsonRpcBody(await readRequestBody(c, deps.config.MAX_BODY_BYTES));
      if (body === undefined) return c.json(PARSE_ERROR, 400);
      const principal = c.get("principal");
      const owner = principal ? `${principal.kind}:${principal.id}` : "anonymous";
      for (const { id, reason } of cancelledCalls(body)) inFlight.cancel(owner, id, reason);

      let calls = 0;
      const server = createOcrMcpServer(
        {
          deps,
          localFiles: false,
          nextRequestId: () => (calls++ === 0 ? httpRequestId : `${httpRequestId}-${calls}`),
          onTask: (task) => {
            c.get("labels").task = task.name;
          },
          trackCall: (id) => inFlight.track(owner, id),
          cache: { principal, lookup: true, store: true },
        },
        tools,
      );
      // No `sessionIdGenerator`: stateless mode. The body is read above, within MAX_BODY_BYTES.
      const transport = new WebStandardStreamableHTTPServerTransport(protection);
      await server.connect(transport);
      // Closing the server aborts its tool calls (`extra.signal`), which aborts fetches and model requests.
      const close = () => void server.close();
      c.req.raw.signal.addEventListener("abort", close, { once: true });
      const response = await transport.handleRequest(c.req.raw, { parsedBody: body });
      const headers = new Headers(response.headers);
      headers.set("x-request-id", httpRequestId);
      if (response.body === null) close();
      const stream = response.body?.pipeThrough(onStreamEnd(close)) ?? null;
      return new Response(stream, { status: response.status, statusText: response.statusText, headers });
    })
    .on(["GET", "DELETE"], "/mcp", (c) => c.json(methodNotAllowed, 405, { allow: "POST" }));
}
