import { randomUUID } from "node:crypto";
import { pathToFileURL } from "node:url";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { closeDependencies } from "../compose.ts";
import { startDependencies } from "../startup.ts";
import { availableOcrTools, createOcrMcpServer } from "./create-mcp-server.ts";

/**
 * Serves the OCR tools over MCP on stdin/stdout, for clients that start the server themselves (Claude
 * Desktop, Cursor, …). Settings come from the environment and `--kebab-case` flags in `argv`, as for the
 * HTTP server. stdout carries only MCP messages: logs go to stderr. Resolves when the client closes stdin
 * (or on SIGINT/SIGTERM), after the backend is closed. A bad setting exits with status 2, a start-up
 * failure with 1.
 */
export async function runMcpStdio(argv: readonly string[]): Promise<void> {
  const { config, logger, deps } = await startDependencies(argv, process.stderr, "ocr-gateway mcp", {
    background: false,
  });
  const server = createOcrMcpServer(
    { deps, localFiles: true, nextRequestId: () => `mcp-${randomUUID()}` },
    availableOcrTools(deps),
  );
  // The base64 of a document is one JSON line: allow lines as large as the HTTP body limit, not the SDK's 10 MB.
  const transport = new StdioServerTransport(process.stdin, process.stdout, {
    maxBufferSize: config.MAX_BODY_BYTES,
  });

  await new Promise<void>((resolve, reject) => {
    let closed = false;
    const stop = () => {
      if (closed) return;
      closed = true;
      server
        .close()
        .then(() => closeDependencies(deps))
        .then(resolve, reject);
    };
    process.stdin.once("end", stop);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    server.connect(transport).then(() => {
      logger.info({ backend: deps.ocr.name, model: config.MODEL }, "ocr gateway MCP server on stdio");
    }, reject);
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runMcpStdio(process.argv.slice(2));
  process.exit(0);
}
