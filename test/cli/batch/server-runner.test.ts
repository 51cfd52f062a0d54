import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runBatchCli } from "../../../gateway/cli/batch/batch-cli.ts";
import { type RunningGateway, startGateway } from "../../support/gateway-harness.ts";
import type { VllmEmulator } from "../../support/vllm-emulator/index.ts";
import { pageCalls, readOutput, readState, startPageEmulator } from "./batch-harness.ts";
import { type GeneratedArchive, makeArchive } from "./make-archive.ts";

let work: string;
let archive: GeneratedArchive;
let emulator: VllmEmulator;
let gateway: RunningGateway;
let files: Server;
let filesUrl: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "batch-server-"));
  archive = await makeArchive(path.join(work, "archive"), { images: 12, pdfs: 4, maxPdfPages: 3 });
  emulator = await startPageEmulator(20);
  // One sequence at a time and no queue: concurrent documents get 429 queue_full with retry-after.
  gateway = await startGateway({
    VLLM_URL: emulator.url,
    API_KEYS: "batch-key",
    IMAGE_MAX_LONG_SIDE: "256",
    UPSTREAM_MAX_CONCURRENCY: "1",
    UPSTREAM_MAX_QUEUE: "0",
    PAGE_CONCURRENCY: "1",
    UPSTREAM_HEALTH_INTERVAL_MS: "0",
    LOG_LEVEL: "info",
  });
  const image = await readFile(path.join(archive.root, "box-0/scan-1.png"));
  files = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "image/png" }).end(image);
  });
  await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await gateway?.close();
  await emulator?.close();
  await new Promise((resolve) => files?.close(resolve));
  if (work) await rm(work, { recursive: true, force: true });
});

describe("ocr-gateway batch --server", () => {
  it("sends each document to /v1/ocr with the key, retries 429s and honours per-line options", async () => {
    const manifest = path.join(work, "manifest.jsonl");
    const lines = [
      { path: "archive/letters/letter-2.pdf", pages: "0" },
      { path: "archive/letters/letter-1.pdf", output: "renamed/second-letter" },
      { path: "archive/box-0/scan-0.jpg", language: "en" },
      { url: `${filesUrl}/scan.png` },
      { path: "archive/box-0/scan-0.jpg", language: "en", output: "same-bytes-and-options" },
      { nothing: true },
    ];
    await writeFile(manifest, `${lines.map((line) => JSON.stringify(line)).join("\n")}\n`);
    vi.stubEnv("OCR_API_KEY", "batch-key");
    vi.stubEnv("FETCH_ALLOWED_PRIVATE_HOSTS", "127.0.0.1");
    const out = path.join(work, "out-server");
    const code = await runBatchCli([
      manifest,
      "--out",
      out,
      "--server",
      gateway.url,
      "--concurrency",
      "4",
      "--quiet",
    ]);
    expect(code).toBe(1);

    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(report.failures.documents).toEqual([
      expect.objectContaining({ key: "manifest.jsonl:6", code: "invalid_manifest_line" }),
    ]);
    expect(report.documents.done).toBe(5);
    expect((await readOutput(out, "archive/letters/letter-2.pdf")).pages.length).toBe(1);
    expect((await readOutput(out, "renamed/second-letter")).pages.length).toBe(2);
    expect((await readOutput(out, `urls/127.0.0.1_${new URL(filesUrl).port}/scan.png`)).pages).toHaveLength(
      1,
    );
    // The English prompt went upstream for the line that asked for it, the default (Chinese) for the other.
    const prompts = emulator.chatRequests.map((request) => JSON.stringify(request.body));
    expect(prompts.some((body) => body.includes("Extract the text"))).toBe(true);
    expect((await readState(out)).records.get("archive/box-0/scan-0.jpg")?.options).toEqual({
      language: "en",
    });
    // The gateway refused work while busy; the batch backed off and retried until everything was read.
    const metrics = await gateway.deps.metrics.registry.metrics();
    expect(metrics).toMatch(/queue_rejections_total \d*[1-9]/);
    // The copy (same bytes, same options) was not sent again.
    expect(pageCalls(emulator).length).toBe(1 + 2 + 1 + 1);
    expect(report.documents.duplicates).toBe(1);
  }, 300_000);

  it("a wrong key fails every document with 401, without retrying", async () => {
    vi.stubEnv("OCR_API_KEY", "wrong");
    const out = path.join(work, "out-denied");
    const before = emulator.chatRequests.length;
    const code = await runBatchCli([
      path.join(archive.root, "box-0"),
      "--out",
      out,
      "--server",
      gateway.url,
      "--quiet",
    ]);
    expect(code).toBe(1);
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(Object.keys(report.failures.by_code)).toEqual(["invalid_api_key"]);
    expect(report.documents.failed).toBe(12);
    expect(emulator.chatRequests.length).toBe(before);
  }, 120_000);
});
