import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import type { DocumentRecord } from "../../../gateway/cli/batch/run-state.ts";
import type { OcrResponse } from "../../../gateway/ocr/ocr-response.ts";
import { type ChatRequestBody, VllmEmulator } from "../../support/vllm-emulator/index.ts";
import { type ArchiveShape, type GeneratedArchive, makeArchive } from "./make-archive.ts";

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const BIN = path.join(REPO, "bin/ocr-gateway.js");

function imageUrlOf(body: ChatRequestBody): string {
  for (const message of body.messages) {
    if (!Array.isArray(message.content)) continue;
    for (const part of message.content) if (part.type === "image_url") return part.image_url.url;
  }
  return "";
}

/** The identity of a page as the model saw it: a digest of the image sent. */
export function pageId(body: ChatRequestBody): string {
  return `page:${createHash("sha256").update(imageUrlOf(body)).digest("hex").slice(0, 16)}`;
}

/**
 * A vLLM emulator whose answer for a page is that page's identity, so every output says which model call
 * produced each of its pages, and `pageCalls` lists the pages the model was asked to read, in order.
 */
export async function startPageEmulator(delayMs = 0): Promise<VllmEmulator> {
  const emulator = await VllmEmulator.start({ recordLimit: 100_000 });
  answerWithPageIds(emulator, delayMs);
  return emulator;
}

export function answerWithPageIds(emulator: VllmEmulator, delayMs: number): void {
  emulator.setDefaultAnswer((body) => ({ text: pageId(body), firstTokenDelayMs: delayMs }));
}

export function pageCalls(emulator: VllmEmulator): string[] {
  return emulator.chatRequests.map((request) => pageId(request.body as ChatRequestBody));
}

/** Environment of a batch child: the emulator as upstream, small renders so PDFs cost little CPU. */
export function batchEnv(emulator: VllmEmulator, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    VLLM_URL: emulator.url,
    IMAGE_MAX_LONG_SIDE: "256",
    UPSTREAM_HEALTH_INTERVAL_MS: "0",
    ...extra,
  };
}

export interface BatchChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `ocr-gateway batch …` as a real child process (so it can be killed with signals). */
export function spawnBatch(args: string[], env: NodeJS.ProcessEnv): BatchChild {
  const child = spawn(process.execPath, [BIN, "batch", ...args], { cwd: REPO, env, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

export async function runBatch(args: string[], env: NodeJS.ProcessEnv) {
  const run = spawnBatch(args, env);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** The state file's records, last per key winning, ignoring a torn last line (as the CLI does). */
export async function readState(
  out: string,
): Promise<{ records: Map<string, DocumentRecord>; lines: number; torn: number }> {
  const text = await readFile(path.join(out, ".ocr-batch-state.jsonl"), "utf8").catch(() => "");
  const records = new Map<string, DocumentRecord>();
  let lines = 0;
  let torn = 0;
  for (const line of text.split("\n")) {
    if (!line) continue;
    lines++;
    try {
      const record = JSON.parse(line) as DocumentRecord;
      records.set(record.key, record);
    } catch {
      torn++;
    }
  }
  return { records, lines, torn };
}

export async function readOutput(out: string, key: string): Promise<OcrResponse> {
  return JSON.parse(await readFile(path.join(out, `${key}.json`), "utf8")) as OcrResponse;
}

/** Every file under `dir`, relative, POSIX separators. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .sort();
}

/** Polls until `check` is true (the child's progress is observed through the files it writes). */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the batch child");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface ArchiveFixture {
  work: string;
  archive: GeneratedArchive;
  emulator: VllmEmulator;
}

/** For a test file: a temporary folder holding a generated archive, and a page emulator; removed after. */
export function useArchiveFixture(prefix: string, shape: ArchiveShape): ArchiveFixture {
  const fixture = {} as ArchiveFixture;
  beforeAll(async () => {
    fixture.work = await mkdtemp(path.join(tmpdir(), prefix));
    fixture.archive = await makeArchive(path.join(fixture.work, "archive"), shape);
    fixture.emulator = await startPageEmulator();
  }, 300_000);
  afterAll(async () => {
    await fixture.emulator?.close();
    if (fixture.work) await rm(fixture.work, { recursive: true, force: true });
  });
  return fixture;
}
