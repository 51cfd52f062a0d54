import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { JobDocuments } from "../../../gateway/jobs/ocr/job-documents.ts";
import { ocrFinalizeHandler } from "../../../gateway/jobs/ocr/ocr-finalize-handler.ts";
import { SqliteJobStore } from "../../../gateway/jobs/store/sqlite/sqlite-job-store.ts";
import type { OcrServiceDependencies } from "../../../gateway/ocr/ocr-service.ts";
import { readReceipt, spottedReceiptPage } from "../../support/fixtures.ts";

const page = spottedReceiptPage;
/** What the finalize handler uses of the OCR service's dependencies. */
const deps = {
  tasks: { get: (name: string) => ({ name, structuredOutput: false }) },
  models: { served: "hunyuan-ocr" },
  ocr: { name: "vllm", imageLimits: {} },
} as unknown as OcrServiceDependencies;

describe("the OCR finalize handler with an archive output_format", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "finalize-"));
  const store = SqliteJobStore.open(dir);
  const finalize = ocrFinalizeHandler(deps, new JobDocuments(), { resultTtlMs: 60_000, now: () => 10 });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A job whose one page is read, up to its finalize unit, which is run. */
  async function finalizedJob(id: string, format: string, input: Buffer) {
    await store.createJob({
      id,
      type: "ocr",
      owner: "alice",
      params: {
        request: { output_format: format },
        shape: "multipart",
        task: "spotting",
        pages: [0],
        docSizeBytes: input.length,
        documentName: "scan.jpg",
      },
      finalizeKind: "ocr_finalize",
      units: [{ kind: "ocr_page", seq: 0, payload: { index: 0 } }],
      input,
      createdAt: 1,
      expiresAt: 1_000_000,
    });
    const claim = (kind: string) =>
      store.claimUnits({ workerId: "w", kinds: [kind], limit: 10, leaseMs: 1_000, now: 2 });
    const [unit] = (await claim("ocr_page")).filter((candidate) => candidate.jobId === id);
    await store.settleUnit("w", unit as never, { kind: "done", result: page });
    const [last] = (await claim("ocr_finalize")).filter((candidate) => candidate.jobId === id);
    await finalize(last as never, { signal: new AbortController().signal, store });
    return store.getJob(id);
  }

  it("completes the job with its file in the store", async () => {
    expect(await finalizedJob("ok", "hocr", readReceipt("000"))).toMatchObject({ status: "completed" });
    expect(await store.describeOutput("ok")).toMatchObject({ format: "hocr", filename: "scan.hocr.html" });
    expect(await store.getInput("ok")).toBeUndefined();
  });

  it("fails the job with output_render_failed, and keeps no file, when the file cannot be written", async () => {
    const job = await finalizedJob("bad", "pdf", Buffer.from("not an image nor a PDF"));
    expect(job).toMatchObject({ status: "failed", error: { code: "output_render_failed" } });
    expect(job?.result).toBeNull();
    expect(await store.getOutput("bad")).toBeUndefined();
    expect((await store.eventsAfter("bad", 0)).at(-1)).toMatchObject({
      event: "error",
      data: { error: { code: "output_render_failed", param: "output_format" } },
    });
  });
});
