import { Mistral } from "@mistralai/mistralai";
import { describe, expect, it } from "vitest";
import { parseJsonl, pollUntil, useBatchGateway } from "../support/batch-fixtures.ts";
import { receiptDataUrl } from "../support/fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: output lines are checked field by field
type Json = any;

const ENDED = ["SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"];

/** Mistral's batch input lines for OCR: only `custom_id` and `body`; the model comes from the job. */
function mistralOcrLines(count: number): string {
  const document = { type: "image_url", image_url: receiptDataUrl("000") };
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({ custom_id: `doc-${index}`, body: { document } }),
  ).join("\n");
}

async function readStream(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe.each(["sqlite", "postgres"] as const)("Mistral batch jobs on %s", (store) => {
  const bed = useBatchGateway(store, { API_KEYS: "sk-mistral" });
  const client = () =>
    new Mistral({ apiKey: "sk-mistral", serverURL: bed.gateway.url, retryConfig: { strategy: "none" } });

  it("uploads, creates an /v1/ocr job, follows it to SUCCESS and downloads the output", async () => {
    bed.emulator.reset();
    bed.emulator.setDefaultAnswer(() => ({ text: "BOOK TA .K" }));
    const mistral = client();
    const uploaded = await mistral.files.upload({
      file: { fileName: "docs.jsonl", content: Buffer.from(mistralOcrLines(2)) },
      purpose: "batch",
    });
    expect(uploaded).toMatchObject({
      purpose: "batch",
      filename: "docs.jsonl",
      sampleType: "batch_request",
      numLines: 2,
    });
    const job = await mistral.batch.jobs.create({
      inputFiles: [uploaded.id],
      endpoint: "/v1/ocr",
      model: "mistral-ocr-latest",
      metadata: { job: "archive-7" },
    });
    expect(job).toMatchObject({
      object: "batch",
      status: "QUEUED",
      inputFiles: [uploaded.id],
      endpoint: "/v1/ocr",
    });

    const done = await pollUntil(
      () => mistral.batch.jobs.get({ jobId: job.id }),
      (value) => ENDED.includes(value.status),
    );
    expect(done).toMatchObject({
      status: "SUCCESS",
      totalRequests: 2,
      succeededRequests: 2,
      failedRequests: 0,
      completedRequests: 2,
      metadata: { job: "archive-7" },
    });
    expect(done.outputFile).toEqual(expect.any(String));
    const output = parseJsonl(
      await readStream(await mistral.files.download({ fileId: done.outputFile as string })),
    ) as Json[];
    expect(output.map((line) => line.custom_id)).toEqual(["doc-0", "doc-1"]);
    expect(output[0].response.body.pages[0].markdown).toBe("BOOK TA .K");
    expect(bed.emulator.chatRequests).toHaveLength(2);
    expect(bed.emulator.chatRequests[0]?.body).toMatchObject({ model: "tencent/HunyuanOCR" });

    const listed = await mistral.batch.jobs.list({ page: 0, pageSize: 10 });
    expect(listed.total).toBeGreaterThanOrEqual(1);
    expect(listed.data?.map((item) => item.id)).toContain(job.id);
  });

  it("cancels a job: CANCELLATION_REQUESTED, then CANCELLED", async () => {
    bed.emulator.reset();
    bed.emulator.setDefaultAnswer(() => ({ text: "slow", firstTokenDelayMs: 1500 }));
    const mistral = client();
    const uploaded = await mistral.files.upload({
      file: { fileName: "many.jsonl", content: Buffer.from(mistralOcrLines(12)) },
      purpose: "batch",
    });
    const job = await mistral.batch.jobs.create({
      inputFiles: [uploaded.id],
      endpoint: "/v1/ocr",
      model: "mistral-ocr-latest",
    });
    await pollUntil(
      () => mistral.batch.jobs.get({ jobId: job.id }),
      (value) => value.status === "RUNNING",
    );
    const cancelled = await mistral.batch.jobs.cancel({ jobId: job.id });
    expect(["CANCELLATION_REQUESTED", "CANCELLED"]).toContain(cancelled.status);
    const ended = await pollUntil(
      () => mistral.batch.jobs.get({ jobId: job.id }),
      (value) => ENDED.includes(value.status),
    );
    expect(ended.status).toBe("CANCELLED");
    expect(ended.succeededRequests).toBeLessThan(12);
  });
});
