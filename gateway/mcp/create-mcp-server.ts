import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { OcrServiceDependencies } from "../ocr/ocr-service.ts";
import { gatewayVersion } from "../version.ts";
import type { OcrTool, OcrToolContext } from "./ocr-tool.ts";
import { OCR_TOOLS } from "./ocr-tools.ts";

const INSTRUCTIONS =
  "OCR tools backed by HunyuanOCR. Pass the document as `url` (http/https), `base64` (with `mime_type`)" +
  " or, when this server runs locally over stdio, `path`. Images (JPEG, PNG, WebP, TIFF, BMP, GIF) and PDFs" +
  " are accepted; `pages` selects 0-based PDF pages. Failed calls return isError with a gateway error code" +
  " (e.g. invalid_base64, url_not_allowed, unsupported_media_type) saying what to fix.";

/** The OCR tools the configured backend can run. */
export function availableOcrTools(deps: OcrServiceDependencies): readonly OcrTool[] {
  return OCR_TOOLS.filter((tool) => deps.ocr.capabilities(deps.tasks.get(tool.task)).available);
}

/**
 * An MCP server offering `tools` (see `availableOcrTools`) for one transport: built per HTTP request
 * (stateless Streamable HTTP) or once for a stdio session.
 */
export function createOcrMcpServer(context: OcrToolContext, tools: readonly OcrTool[]): McpServer {
  const server = new McpServer(
    { name: "ocr-gateway", title: "HunyuanOCR gateway", version: gatewayVersion() },
    { instructions: INSTRUCTIONS },
  );
  for (const tool of tools) tool.register(server, context);
  return server;
}
