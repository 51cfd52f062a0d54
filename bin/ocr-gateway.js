#!/usr/bin/env node
// The `ocr-gateway` command. The gateway is TypeScript run by tsx, so register its loader first.
import { register } from "tsx/esm/api";

register();

const USAGE = `usage: ocr-gateway [serve] [--port N --vllm-url URL …]   start the gateway (default)
       ocr-gateway eval [--dataset DIR] [--task text|fields] [--backend URL|embedded] [--json FILE|-]
       ocr-gateway mcp                                          MCP server on stdin/stdout
       ocr-gateway batch <folder|glob|manifest> --out DIR [--format md,json,txt …]   OCR an archive
Settings come from environment variables (see the README); --kebab-case flags override them.`;

const [first, ...rest] = process.argv.slice(2);
const command = first === undefined || first.startsWith("--") ? "serve" : first;
const args = command === first ? rest : process.argv.slice(2);

if (command === "serve") {
  const { runServer } = await import("../gateway/server.ts");
  await runServer(args);
} else if (command === "eval") {
  const { runEvalCli } = await import("../gateway/eval/eval-cli.ts");
  process.exitCode = await runEvalCli(args);
} else if (command === "batch") {
  const { runBatchCli } = await import("../gateway/cli/batch/batch-cli.ts");
  // Exit explicitly: an abandoned run may leave keep-alive sockets or workers that would hold the process.
  process.exit(await runBatchCli(args));
} else if (command === "mcp") {
  const { runMcpStdio } = await import("../gateway/mcp/stdio.ts");
  await runMcpStdio(args);
} else {
  console.error(command === "help" || command === "-h" ? USAGE : `Unknown command "${command}".\n${USAGE}`);
  process.exitCode = command === "help" || command === "-h" ? 0 : 2;
}
