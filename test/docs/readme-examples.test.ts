import { execFile } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { lacks } from "../support/system-tools.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";
import {
  againstGateway,
  codeBlocks,
  REPO_ROOT,
  type ShellCommand,
  shellCommands,
} from "./markdown-examples.ts";

const run = promisify(execFile);
const DOCUMENTS = ["README.md", "docs/agents.md", "docs/deployment.md", "docs/gray-release.md"];

/** Commands of the docs this test does not run, each with the reason (and where it is covered instead). */
const NOT_RUN: Array<[RegExp, string]> = [
  [/^npm (ci|install|test)\b/, "installing and testing: this test runs inside `npm test`, after `npm ci`"],
  [/^(VLLM_URL=\S+ )?npm start\b/, "the test starts the same gateway on a free port"],
  [/^npm run emulator\b/, "the test starts the same vLLM emulator on a free port"],
  [/^npm run eval\b/, "test/eval/run-eval.test.ts runs the eval command (the default dataset included)"],
  [
    /^npm (ci --omit=dev|uninstall)\b/,
    "would strip this checkout's node_modules; test/deploy/manifests.test.ts checks the Dockerfile doing it",
  ],
  [/^vllm serve\b/, "needs a GPU; the flags are checked against deploy/ in test/deploy/manifests.test.ts"],
  [/^docker\b/, "needs Docker; test/deploy/ checks the Compose file, the Dockerfile, nginx and Prometheus"],
  [/^kubectl\b/, "needs a Kubernetes cluster; test/deploy/manifests.test.ts validates the manifests"],
  [/^cat > \.env\b/, "part of the Docker Compose recipe"],
  [/^curl -s localhost\/ready$/, "the Compose stack's nginx on port 80"],
  [/^cp deploy\/nginx\/tls\//, "test/deploy/nginx.test.ts copies the TLS file into conf.d the same way"],
  [/your-clip\.mp4/, "needs your video; test/routes/ocr-documents.test.ts reads one made with ffmpeg"],
  [/^claude mcp add\b/, "needs Claude Code; test/mcp/ drives /mcp with the MCP SDK's client"],
  [
    /-F output_format=(pdf|alto|hocr) -o /,
    "writes a file; test/routes/ocr-archive-formats.test.ts sends the same requests and checks the files with poppler and xmllint",
  ],
  [
    /^pdftotext /,
    "reads the file of the example above; test/output-formats/ runs pdftotext on searchable PDFs",
  ],
  [
    /^(VLLM_URL=\S+ )?(npx ocr-gateway|npm run) batch\b|^\$ npx ocr-gateway batch\b/,
    "a batch run; test/cli/batch/ runs the same command on generated archives",
  ],
  [/ocrjob_…/, "needs the id a job answered with; test/routes/ocr-jobs.test.ts runs every job route"],
  [
    /^UPSTREAMS_FILE=\S+ npm start\b|x-model-version: v2|jq -c '\.versions\[\]'/,
    "needs two model versions; test/release/gray-release.test.ts starts a gateway on two emulators and pins, lists and routes the same way",
  ],
  [
    /^kill -HUP\b/,
    "signals a running gateway; test/release/sighup.test.ts sends SIGHUP to a gateway process",
  ],
];
/** Examples that show the default set-up, with no VLLM_URL: they run against the embedded engine. */
const EMBEDDED = [
  /-F file=@examples\/receipt\.jpg \| jq -r \.text$/,
  /-F file=@examples\/report\.pdf -F task=document \| jq -r '\.pages\[\]\.markdown'$/,
];

const commands = DOCUMENTS.flatMap((file) =>
  codeBlocks(file)
    .filter((block) => block.lang === "bash")
    .flatMap(shellCommands),
);
const reasonNotRun = (entry: ShellCommand) => NOT_RUN.find(([pattern]) => pattern.test(entry.command))?.[1];
const runnable = commands.filter(
  (entry) => reasonNotRun(entry) === undefined && /^(curl|jq) |^\w+=\$\(curl /.test(entry.command),
);

const snippets = DOCUMENTS.flatMap((file) => codeBlocks(file)).filter(
  (block) => block.lang === "ts" || block.lang === "python",
);
/** SDKs of other languages or packages this repository does not install. */
const FOREIGN_IMPORT = /from "(@langchain\/|@ai-sdk\/|ai")|^from (openai|mistralai) import/m;

let emulator: VllmEmulator;
let vllmGateway: RunningGateway;
let embeddedGateway: RunningGateway;
const scratch = path.join(REPO_ROOT, "test-artifacts", "doc-examples");
// Shell examples write their outputs (`-o report.searchable.pdf`) into the working directory: a
// scratch one, with `examples/` linked in, so a test run leaves nothing in the repository.
const shellDir = path.join(scratch, "shell");

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  [vllmGateway, embeddedGateway] = await Promise.all([
    startGateway({ VLLM_URL: emulator.url, LOG_LEVEL: "warn", CACHE: "on" }),
    startGateway({ LOG_LEVEL: "warn" }),
  ]);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(shellDir, { recursive: true });
  symlinkSync(path.join(REPO_ROOT, "examples"), path.join(shellDir, "examples"));
}, 120_000);

afterAll(async () => {
  await Promise.all([vllmGateway?.close(), embeddedGateway?.close()]);
  await emulator?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Fails when the output is the gateway's error envelope or an SSE error event. */
function expectAnswer(output: string, where: string): void {
  expect(output.trim(), `${where}: no output`).not.toBe("");
  expect(output, where).not.toMatch(/^event: error$/m);
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return;
  }
  // A job or batch object carries `error: null` until it fails; only an error envelope has one set.
  expect(
    (parsed as { error?: unknown }).error ?? undefined,
    `${where}: ${output.slice(0, 300)}`,
  ).toBeUndefined();
}

describe("the docs' shell examples", () => {
  it("are all run below or named here with the reason they are not", () => {
    const unexplained = commands.filter(
      (entry) => reasonNotRun(entry) === undefined && !runnable.includes(entry),
    );
    expect(unexplained).toEqual([]);
    expect(runnable.length).toBeGreaterThanOrEqual(15);
  });

  describe.skipIf(lacks("curl", "jq"))("run as written against a gateway on a free port", () => {
    it.each(runnable.map((entry) => [entry.where, entry.command]))(
      "%s: %s",
      async (where, command) => {
        const gateway = EMBEDDED.some((pattern) => pattern.test(command)) ? embeddedGateway : vllmGateway;
        const { stdout } = await run("bash", ["-o", "pipefail", "-c", againstGateway(command, gateway.url)], {
          cwd: shellDir,
          timeout: 90_000,
          maxBuffer: 64 * 1024 * 1024,
        });
        expectAnswer(stdout, where);
        if (command.includes("jq -r .text")) expect(stdout.trim()).not.toBe("null");
        if (command.includes(".markdown'")) expect(stdout).not.toMatch(/^null$/m);
        // As long as the command may take: PDF pages on the CPU engine are slow on a loaded machine.
      },
      90_000,
    );
  });
});

describe("the docs' TypeScript and Python snippets", () => {
  const own = snippets.filter((block) => !FOREIGN_IMPORT.test(block.text));

  it("run here unless they use an SDK this repository does not install", () => {
    expect(own.filter((block) => block.lang === "ts").length).toBeGreaterThanOrEqual(4);
    expect(own.filter((block) => block.lang === "python").length).toBeGreaterThanOrEqual(1);
  });

  it.each(own.filter((block) => block.lang === "ts").map((block) => [block.where, block.text]))(
    "%s runs with tsx",
    async (where, text) => {
      const file = path.join(scratch, `${where.replace(/\W+/g, "-")}.ts`);
      writeFileSync(file, againstGateway(text, vllmGateway.url));
      const { stdout } = await run(process.execPath, ["--import", "tsx", file], {
        cwd: REPO_ROOT,
        timeout: 90_000,
      });
      expectAnswer(stdout, where);
    },
    120_000,
  );

  describe.skipIf(lacks("python3-requests"))("with python3-requests", () => {
    it.each(own.filter((block) => block.lang === "python").map((block) => [block.where, block.text]))(
      "%s runs with python3",
      async (where, text) => {
        const { stdout } = await run("python3", ["-c", againstGateway(text, vllmGateway.url)], {
          cwd: REPO_ROOT,
          timeout: 90_000,
          env: { ...process.env, NO_PROXY: "127.0.0.1", no_proxy: "127.0.0.1", PYTHONIOENCODING: "utf-8" },
        });
        expectAnswer(stdout, where);
      },
    );
  });
});
