import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VllmEmulator } from "../../support/vllm-emulator/index.ts";
import { answerWithPageIds, BIN, batchEnv, REPO, runBatch, startPageEmulator } from "./batch-harness.ts";
import { type GeneratedArchive, makeArchive } from "./make-archive.ts";

let work: string;
let archive: GeneratedArchive;
let emulator: VllmEmulator;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "batch-progress-"));
  archive = await makeArchive(path.join(work, "archive"), { images: 24, pdfs: 0 });
  emulator = await startPageEmulator();
  answerWithPageIds(emulator, 150);
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/** Runs the batch inside a real pseudo-terminal with util-linux `script`; returns everything the terminal got. */
function runInTerminal(args: string[]): Promise<{ code: number | null; output: string }> {
  const command = `stty cols 120; ${["node", BIN, "batch", ...args].map(quote).join(" ")}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], {
    cwd: REPO,
    env: { ...batchEnv(emulator), TERM: "xterm-256color" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, output })));
}

const documents = () => archive.documents.size + archive.corrupt.size;

describe("batch progress display", () => {
  it("draws a live bar with documents, pages, pages/s, ETA and failures in a terminal", async () => {
    const { code, output } = await runInTerminal([
      archive.root,
      "--out",
      path.join(work, "out-tty"),
      "--concurrency",
      "2",
    ]);
    expect(code).toBe(1);
    const frames = output.split("\u001b[1G").filter((frame) => frame.includes("documents |"));
    expect(frames.length).toBeGreaterThan(2);
    const midway = frames.find((frame) => {
      const match = /(\d+)\/(\d+) documents/.exec(frame);
      return match && Number(match[1]) > 0 && Number(match[1]) < documents();
    });
    expect(midway).toMatch(
      /[█░]{16} \d+\/\d+ documents \| \d+ pages \| [\d.]+ pages\/s \| \d+ failed \| ETA \S+/,
    );
    expect(frames.at(-1)).toContain(`${documents()}/${documents()} documents`);
    expect(frames.at(-1)).toContain(`${archive.corrupt.size} failed`);
    expect(output).toMatch(/pages\/s\s+[\d.]+/);
  }, 300_000);

  it("prints plain lines without control characters when not on a terminal", async () => {
    const out = path.join(work, "out-plain");
    const { code, stderr, stdout } = await runBatch(
      [archive.root, "--out", out, "--concurrency", "2", "--progress-interval", "0.3"],
      batchEnv(emulator),
    );
    expect(code).toBe(1);
    expect(stderr).not.toContain("\u001b");
    const lines = stderr.split("\n").filter((line) => line.startsWith("[batch]"));
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(line).toMatch(
        /^\[batch\] \d+\/\d+ documents, \d+ pages, [\d.]+ pages\/s, \d+ failed(, ETA \d+ s)?$/,
      );
    }
    expect(lines.at(-1)).toContain(`${documents()}/${documents()} documents`);
    expect(stdout).toContain("documents");
    expect(stdout).toContain("wall time");
  }, 300_000);

  it("--quiet prints nothing and --json prints the report", async () => {
    const quiet = await runBatch(
      [archive.root, "--out", path.join(work, "out-quiet"), "--quiet"],
      batchEnv(emulator),
    );
    expect(quiet.code).toBe(1);
    expect(quiet.stdout).toBe("");
    expect(quiet.stderr).toBe("");
    const json = await runBatch(
      [archive.root, "--out", path.join(work, "out-quiet"), "--json"],
      batchEnv(emulator),
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      documents: { done_earlier: archive.documents.size, failed: archive.corrupt.size },
      exit_code: 1,
    });
  }, 300_000);
});
