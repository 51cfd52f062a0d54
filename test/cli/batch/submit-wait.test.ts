import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { BatchApiClient } from "../../../gateway/cli/batch/batch-api-client.ts";
import { runBatchCli } from "../../../gateway/cli/batch/batch-cli.ts";
import type { BatchReport } from "../../../gateway/cli/batch/batch-report.ts";
import type { Submission } from "../../../gateway/cli/batch/submissions.ts";
import { type RunningGateway, startGateway } from "../../support/gateway-harness.ts";
import type { VllmEmulator } from "../../support/vllm-emulator/index.ts";
import {
  answerWithPageIds,
  pageCalls,
  readOutput,
  readState,
  spawnBatch,
  startPageEmulator,
  waitUntil,
} from "./batch-harness.ts";
import { type GeneratedArchive, makeArchive } from "./make-archive.ts";

const KEY = "submit-key";
let work: string;
let archive: GeneratedArchive;
let emulator: VllmEmulator;
let gateway: RunningGateway;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "batch-submit-"));
  archive = await makeArchive(path.join(work, "archive"), {
    images: 10,
    pdfs: 3,
    maxPdfPages: 3,
    duplicates: 2,
  });
  emulator = await startPageEmulator(5);
  gateway = await startGateway({
    VLLM_URL: emulator.url,
    API_KEYS: KEY,
    IMAGE_MAX_LONG_SIDE: "256",
    UPSTREAM_HEALTH_INTERVAL_MS: "0",
    JOB_POLL_MS: "50",
    LOG_LEVEL: "warn",
  });
  vi.stubEnv("OCR_API_KEY", KEY);
}, 180_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await gateway?.close();
  await emulator?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** `ocr-gateway batch <archive> --out <out> --server <gateway> --quiet …flags`. */
const batchAgainstServer = (out: string, ...flags: string[]) =>
  runBatchCli([archive.root, "--out", out, "--server", gateway.url, "--quiet", ...flags]);

const readReport = async (out: string) =>
  JSON.parse(await readFile(path.join(out, "report.json"), "utf8")) as BatchReport;
const readSubmissions = async (out: string) =>
  (
    JSON.parse(await readFile(path.join(out, ".ocr-batch-submissions.json"), "utf8")) as {
      submissions: Submission[];
    }
  ).submissions;

async function serverBatches(): Promise<Array<{ id: string; input_file_id: string; status: string }>> {
  const response = await fetch(`${gateway.url}/v1/batches?limit=100`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  return ((await response.json()) as { data: Array<{ id: string; input_file_id: string; status: string }> })
    .data;
}

describe("ocr-gateway batch --submit / --wait", () => {
  it("refuses --submit and --wait without --server", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const code = await runBatchCli([archive.root, "--out", path.join(work, "nowhere"), "--submit"]);
      expect(code).toBe(2);
      expect(stderr.mock.calls.map((call) => String(call[0])).join("")).toMatch(/need --server/);
    } finally {
      stderr.mockRestore();
    }
  });

  it("submits the set as server batches, returns at once, and --wait writes every result exactly once", async () => {
    const out = path.join(work, "out");
    const before = emulator.chatRequests.length;
    // A small input-file limit splits the set over several batches.
    const submitCode = await batchAgainstServer(out, "--submit", "--submit-file-mb", "0.01");
    expect(submitCode).toBe(0);
    const submitted = await readSubmissions(out);
    expect(submitted.length).toBeGreaterThan(1);
    expect(submitted.every((submission) => submission.batch_id?.startsWith("batch_"))).toBe(true);
    const documentCount = archive.documents.size + archive.corrupt.size;
    expect(submitted.flatMap((submission) => submission.documents)).toHaveLength(documentCount);
    const afterSubmit = await readReport(out);
    expect(afterSubmit.documents.submitted).toBe(documentCount);
    expect(afterSubmit.batches.map((batch) => batch.id).sort()).toEqual(
      submitted.map((submission) => submission.batch_id).sort(),
    );

    // Submitting again while those are pending sends nothing twice.
    expect(await batchAgainstServer(out, "--submit")).toBe(0);
    expect(await readSubmissions(out)).toHaveLength(submitted.length);

    const waitCode = await batchAgainstServer(out, "--wait");
    expect(waitCode).toBe(1); // the corrupt files failed
    const report = await readReport(out);
    expect(report.documents.submitted).toBe(0);
    expect(report.documents.done).toBe(archive.documents.size);
    expect(report.documents.duplicates).toBe(2);
    expect(report.failures.documents.map((failure) => failure.key).sort()).toEqual(
      [...archive.corrupt.keys()].sort(),
    );
    for (const failure of report.failures.documents) expect(failure.status).toBeGreaterThanOrEqual(400);
    expect(report.batches.every((batch) => batch.status === "completed")).toBe(true);

    const { records } = await readState(out);
    for (const [key, pages] of archive.documents) {
      expect(records.get(key)?.status, key).toBe("done");
      const output = await readOutput(out, key);
      expect(output.pages).toHaveLength(pages);
      for (const page of output.pages) expect(page.markdown).toMatch(/^page:[0-9a-f]{16}$/);
    }
    // Each distinct page went to the model once: copies shared their original's line.
    const calls = pageCalls(emulator).slice(before);
    expect(new Set(calls).size).toBe(calls.length);
    expect((await readSubmissions(out)).every((submission) => submission.collected === "completed")).toBe(
      true,
    );

    // Everything is done: submit-and-wait sends nothing and reads nothing.
    const again = await batchAgainstServer(out, "--submit", "--wait");
    expect(again).toBe(1); // the corrupt files are still failed (not retried without --retry-failed)
    expect(pageCalls(emulator).length - before).toBe(calls.length);
    expect((await readReport(out)).documents.done_earlier).toBe(archive.documents.size);
  }, 300_000);

  it("a --submit --wait run killed with SIGKILL while waiting is collected by the next --wait, each page read once", async () => {
    const out = path.join(work, "out-killed");
    const before = emulator.chatRequests.length;
    answerWithPageIds(emulator, 150);
    try {
      const child = spawnBatch([archive.root, "--out", out, "--server", gateway.url, "--submit", "--wait"], {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        OCR_API_KEY: KEY,
      });
      await waitUntil(async () =>
        (await readSubmissions(out).catch(() => [])).some((submission) => submission.batch_id !== null),
      );
      child.child.kill("SIGKILL");
      await child.exited;
      expect((await readSubmissions(out)).every((submission) => submission.collected === null)).toBe(true);
    } finally {
      answerWithPageIds(emulator, 5);
    }
    expect(await batchAgainstServer(out, "--wait")).toBe(1); // the corrupt files
    const { records } = await readState(out);
    for (const key of archive.documents.keys()) expect(records.get(key)?.status, key).toBe("done");
    const calls = pageCalls(emulator).slice(before);
    expect(new Set(calls).size).toBe(calls.length);
  }, 180_000);

  it("finishes a submission a killed run uploaded but did not record as created, without a second batch", async () => {
    const out = path.join(work, "out-recovered");
    const single = path.join(work, "single");
    await rm(single, { recursive: true, force: true });
    const key = [...archive.documents.keys()].find((name) => name.endsWith(".png")) as string;
    await mkdir(single, { recursive: true });
    await copyFile(path.join(archive.root, key), path.join(single, "page.png"));

    // Run 1 submits; then its record is put back to "uploaded, batch not created" as a kill would leave it.
    expect(await runBatchCli([single, "--out", out, "--server", gateway.url, "--submit", "--quiet"])).toBe(0);
    const [submission] = await readSubmissions(out);
    const createdId = submission?.batch_id;
    await writeFile(
      path.join(out, ".ocr-batch-submissions.json"),
      JSON.stringify({ submissions: [{ ...submission, batch_id: null }] }),
    );
    expect(await runBatchCli([single, "--out", out, "--server", gateway.url, "--wait", "--quiet"])).toBe(0);
    const [recovered] = await readSubmissions(out);
    expect(recovered?.batch_id).toBe(createdId);
    expect(
      (await serverBatches()).filter((batch) => batch.input_file_id === submission?.input_file_id),
    ).toHaveLength(1);
    expect((await readState(out)).records.get("page.png")?.status).toBe("done");

    // An input file whose batch was never created is created now.
    const client = new BatchApiClient(gateway.url, KEY);
    const content = await readFile(path.join(single, "page.png"));
    const line = {
      custom_id: "page.png",
      method: "POST",
      url: "/v1/ocr",
      body: {
        document: {
          type: "document_url",
          document_url: `data:image/png;base64,${content.toString("base64")}`,
        },
      },
    };
    const fileId = await client.uploadInput("orphan.jsonl", `${JSON.stringify(line)}\n`);
    const orphanOut = path.join(work, "out-orphan");
    await rm(orphanOut, { recursive: true, force: true });
    await mkdir(orphanOut, { recursive: true });
    await writeFile(
      path.join(orphanOut, ".ocr-batch-submissions.json"),
      JSON.stringify({
        submissions: [{ ...recovered, input_file_id: fileId, batch_id: null, collected: null }],
      }),
    );
    expect(
      await runBatchCli([single, "--out", orphanOut, "--server", gateway.url, "--wait", "--quiet"]),
    ).toBe(0);
    expect((await serverBatches()).filter((batch) => batch.input_file_id === fileId)).toHaveLength(1);
    expect((await readOutput(orphanOut, "page.png")).pages).toHaveLength(1);
  }, 180_000);

  it("reports a refused key as the server's error, with a non-zero exit", async () => {
    const out = path.join(work, "out-refused");
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const code = await batchAgainstServer(out, "--api-key", "wrong-key", "--submit");
      expect(code).toBe(1);
      expect(stderr.mock.calls.map((call) => String(call[0])).join("")).toMatch(/invalid_api_key|401/);
    } finally {
      stderr.mockRestore();
    }
    expect((await readReport(out)).stopped_because).toMatch(/401/);
  }, 120_000);
});
