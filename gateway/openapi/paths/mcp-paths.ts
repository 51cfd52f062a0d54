import { errors, type PathContext, type PathItems, requestIdHeader, schemaRef } from "../operation-parts.ts";

const SUMMARY = "Model Context Protocol server (Streamable HTTP, stateless)";

/** A JSON-RPC error answered by the MCP transport (its own shape, not the gateway's error envelope). */
function jsonRpcError(description: string, headers: Record<string, unknown> = requestIdHeader) {
  return { description, headers, content: { "application/json": { schema: schemaRef("JsonRpcError") } } };
}

const methodNotAllowed = jsonRpcError(
  "The endpoint is stateless: no server-initiated stream (GET) and no session to end (DELETE); use POST.",
  { ...requestIdHeader, allow: { description: "POST", schema: { type: "string" } } },
);

/** `/mcp`, when `MCP_ENABLED`. */
export function mcpPaths({ secured, authErrors, mcpEnabled }: PathContext): PathItems {
  if (!mcpEnabled) return {};
  return {
    "/mcp": {
      post: secured({
        operationId: "mcp",
        tags: ["MCP"],
        summary: SUMMARY,
        description:
          "JSON-RPC for MCP clients: tools read_text, extract_fields, parse_document, translate, spot_text " +
          "(those the backend can run). Send `content-type: application/json` and " +
          "`accept: application/json, text/event-stream`.",
        requestBody: {
          required: true,
          content: { "application/json": { schema: schemaRef("JsonRpcBody") } },
        },
        responses: {
          "200": {
            description: "The JSON-RPC response, as an SSE stream (progress notifications, then the result).",
            headers: requestIdHeader,
            content: {
              "text/event-stream": { schema: { type: "string" } },
              "application/json": { schema: schemaRef("JsonRpcBody") },
            },
          },
          "202": { description: "A notification or response was accepted.", headers: requestIdHeader },
          "400": jsonRpcError("Not JSON, or not a JSON-RPC message (code -32700 or -32600)."),
          "403": jsonRpcError(
            "DNS-rebinding protection (MCP_ALLOWED_HOSTS / MCP_ALLOWED_ORIGINS): Host or Origin not allowed.",
          ),
          "406": jsonRpcError("`accept` lacks application/json or text/event-stream."),
          "415": jsonRpcError("`content-type` is not application/json."),
          ...errors(...authErrors, "PayloadTooLarge"),
        },
      }),
      get: secured({
        operationId: "mcpGet",
        tags: ["MCP"],
        summary: SUMMARY,
        responses: { "405": methodNotAllowed, ...errors(...authErrors) },
      }),
      delete: secured({
        operationId: "mcpDelete",
        tags: ["MCP"],
        summary: SUMMARY,
        responses: { "405": methodNotAllowed, ...errors(...authErrors) },
      }),
    },
  };
}
