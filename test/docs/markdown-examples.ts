import { readFileSync } from "node:fs";
import path from "node:path";

/** The repository root, where the examples run (they name files like `examples/receipt.jpg`). */
export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

export interface CodeBlock {
  /** `README.md:123`, the line of the opening fence. */
  where: string;
  lang: string;
  text: string;
}

/** The fenced code blocks of a Markdown file of the repository. */
export function codeBlocks(file: string): CodeBlock[] {
  const lines = readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n");
  const blocks: CodeBlock[] = [];
  let open: { line: number; lang: string; body: string[] } | undefined;
  lines.forEach((line, index) => {
    const fence = /^```(\w*)\s*$/.exec(line);
    if (fence === null) open?.body.push(line);
    else if (open === undefined) open = { line: index + 1, lang: fence[1] ?? "", body: [] };
    else {
      blocks.push({ where: `${file}:${open.line}`, lang: open.lang, text: open.body.join("\n") });
      open = undefined;
    }
  });
  return blocks;
}

export interface ShellCommand {
  where: string;
  command: string;
}

/**
 * The commands of a shell block: comment lines dropped, lines joined while a command continues (a trailing
 * backslash, a single-quoted string still open, as in a multi-line JSON or jq program, or a here-document).
 */
export function shellCommands(block: CodeBlock): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let current = "";
  let hereDocEnd: string | undefined;
  for (const line of block.text.split("\n")) {
    if (current === "" && (line.trim() === "" || line.trimStart().startsWith("#"))) continue;
    current = current === "" ? line : `${current}\n${line}`;
    if (hereDocEnd !== undefined) {
      if (line.trim() !== hereDocEnd) continue;
      hereDocEnd = undefined;
    } else {
      hereDocEnd = /<<-?\s*'?(\w+)'?/.exec(line)?.[1];
      if (hereDocEnd !== undefined) continue;
    }
    const quotes = (current.match(/'/g) ?? []).length;
    if (current.endsWith("\\") || quotes % 2 === 1) continue;
    commands.push({ where: block.where, command: current });
    current = "";
  }
  if (current !== "") throw new Error(`${block.where}: unterminated command: ${current}`);
  return commands;
}

/** Points an example at a gateway started by the test instead of localhost:8000. */
export function againstGateway(text: string, gatewayUrl: string): string {
  const { host } = new URL(gatewayUrl);
  return text.replaceAll("http://localhost:8000", gatewayUrl).replaceAll("localhost:8000", host);
}
