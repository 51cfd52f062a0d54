import OpenAI, { NotFoundError, toFile } from "openai";
import { describe, expect, it } from "vitest";
import { ocrBatchLines, parseJsonl, pollUntil, toJsonl, useBatchGateway } from "../support/batch-fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: output lines are checked field by field
type Json = any;

const TERMINAL = ["completed", "failed", "expired", "cancelled"];
const KEY_A = "sk-batch-owner-a";
const KEY_B = "sk-batch-owner-b";

describe.each(["sqlite", "postgres"] as const)("OpenAI Files and Batches on %s", (store) => {
  const bed = useBatchGateway(store, { API_KEYS: `${KEY_A},${KEY_B}` });
  const client = (key = KEY_A) =>
    new OpenAI({ apiKey: key, baseURL: `${bed.gateway.url}/v1`, maxRetries: 0 });

  async function runToEnd(batchId: string, key = KEY_A) {
    return pollUntil(
      () => client(key).batches.retrieve(batchId),
      (batch) => TERMINAL.includes(batch.status),
    );
  }

  it("runs an /v1/ocr batch end to end with the SDK: every line once, in the output file", async () => {
    bed.emulator.reset();
    bed.emulator.setDefaultAnswer(() => ({ text: "TOTAL: 9.00" }));
    const openai = client();
    const input = await openai.files.create({
      file: await toFile(Buffer.from(toJsonl(ocrBatchLines(3))), "receipts.jsonl"),
      purpose: "batch",
    });
    expect(input).toMatchObject({
      object: "file",
      purpose: "batch",
      filename: "receipts.jsonl",
      status: "processed",
    });
    const created = await openai.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/ocr" as "/v1/chat/completions",
      completion_window: "24h",
      metadata: { run: "nightly" },
    });
    expect(created).toMatchObject({ object: "batch", status: "validating", metadata: { run: "nightly" } });
    expect(created.expires_at).toBe(created.created_at + 24 * 3600);

    const done = await runToEnd(created.id);
    expect(done.status).toBe("completed");
    expect(done.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
    expect(done.in_progress_at).toEqual(expect.any(Number));
    expect(done.completed_at).toEqual(expect.any(Number));
    expect(done.error_file_id).toBeNull();
    expect(bed.emulator.chatRequests).toHaveLength(3);

    const output = parseJsonl(
      await (await openai.files.content(done.output_file_id as string)).text(),
    ) as Json[];
    expect(output.map((line) => line.custom_id)).toEqual(["receipt-0", "receipt-1", "receipt-2"]);
    for (const line of output) {
      expect(line.id).toMatch(/^batch_req_/);
      expect(line.error).toBeNull();
      expect(line.response.status_code).toBe(200);
      expect(line.response.request_id).toEqual(expect.any(String));
      expect(line.response.body).toMatchObject({
        object: "ocr",
        text: "TOTAL: 9.00",
        usage_info: { pages_processed: 1 },
      });
    }
    // The input is deleted when the batch ends; the output stays.
    await expect(openai.files.retrieve(input.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await openai.files.retrieve(done.output_file_id as string)).toMatchObject({
      purpose: "batch_output",
    });
  });

  it("answers bad lines like the synchronous route, in the error file, and runs the rest", async () => {
    bed.emulator.reset();
    bed.emulator.setDefaultAnswer(() => ({ text: "hello" }));
    const openai = client();
    const lines = [
      {
        custom_id: "ok",
        method: "POST",
        url: "/v1/chat/completions",
        body: { messages: [{ role: "user", content: "hi" }] },
      },
      {
        custom_id: "too-long",
        method: "POST",
        url: "/v1/chat/completions",
        body: { messages: [{ role: "user", content: "hi" }], max_tokens: 10_000_000 },
      },
      {
        custom_id: "no-messages",
        method: "POST",
        url: "/v1/chat/completions",
        body: { model: "hunyuan-ocr" },
      },
    ];
    const input = await openai.files.create({
      file: await toFile(Buffer.from(toJsonl(lines)), "chat.jsonl"),
      purpose: "batch",
    });
    const batch = await openai.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/chat/completions",
      completion_window: "24h",
    });
    const done = await runToEnd(batch.id);
    expect(done.status).toBe("completed");
    expect(done.request_counts).toEqual({ total: 3, completed: 1, failed: 2 });
    const output = parseJsonl(
      await (await openai.files.content(done.output_file_id as string)).text(),
    ) as Json[];
    expect(output.map((line) => [line.custom_id, line.response.status_code])).toEqual([["ok", 200]]);
    expect(output[0].response.body.choices[0].message.content).toBe("hello");
    const errors = parseJsonl(
      await (await openai.files.content(done.error_file_id as string)).text(),
    ) as Json[];
    expect(
      errors.map((line) => [line.custom_id, line.response.status_code, line.response.body.error.code]),
    ).toEqual([
      ["too-long", 400, "max_tokens_too_large"],
      ["no-messages", 400, "invalid_request"],
    ]);
    expect(bed.emulator.chatRequests).toHaveLength(1);
  });

  it("fails a batch whose input file is malformed, naming the lines", async () => {
    const openai = client();
    const text = `${JSON.stringify(ocrBatchLines(1)[0])}\n{oops\n${JSON.stringify({ ...ocrBatchLines(1)[0], url: "/v1/embeddings" })}\n`;
    const input = await openai.files.create({
      file: await toFile(Buffer.from(text), "bad.jsonl"),
      purpose: "batch",
    });
    const batch = await openai.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/ocr" as "/v1/chat/completions",
      completion_window: "24h",
    });
    const done = await runToEnd(batch.id);
    expect(done.status).toBe("failed");
    expect(done.failed_at).toEqual(expect.any(Number));
    expect(done.errors?.data?.map((error) => [error.line, error.code])).toEqual([
      [2, "invalid_json_line"],
      [3, "mismatched_endpoint"],
    ]);
  });

  it("refuses unknown endpoints, windows and files with clear 4xx codes", async () => {
    const openai = client();
    const input = await openai.files.create({
      file: await toFile(Buffer.from(toJsonl(ocrBatchLines(1))), "x.jsonl"),
      purpose: "batch",
    });
    await expect(
      openai.batches.create({
        input_file_id: input.id,
        endpoint: "/v1/embeddings",
        completion_window: "24h",
      }),
    ).rejects.toMatchObject({ status: 400, code: "invalid_request", param: "endpoint" });
    await expect(
      openai.batches.create({
        input_file_id: "file-missing",
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
      }),
    ).rejects.toMatchObject({ status: 404, code: "file_not_found" });
    await expect(
      openai.files.create({ file: await toFile(Buffer.from("{}"), "x.jsonl"), purpose: "fine-tune" }),
    ).rejects.toMatchObject({ status: 400, code: "unsupported_purpose" });
  });

  it("cancels a running batch: cancelling, then cancelled with the lines done so far", async () => {
    bed.emulator.reset();
    bed.emulator.setDefaultAnswer(() => ({ text: "slow page", firstTokenDelayMs: 1500 }));
    const openai = client();
    const input = await openai.files.create({
      file: await toFile(Buffer.from(toJsonl(ocrBatchLines(20))), "many.jsonl"),
      purpose: "batch",
    });
    const batch = await openai.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/ocr" as "/v1/chat/completions",
      completion_window: "24h",
    });
    await pollUntil(
      () => openai.batches.retrieve(batch.id),
      (value) => value.status === "in_progress",
    );
    const cancelling = await openai.batches.cancel(batch.id);
    expect(["cancelling", "cancelled"]).toContain(cancelling.status);
    expect(cancelling.cancelling_at).toEqual(expect.any(Number));
    const done = await runToEnd(batch.id);
    expect(done.status).toBe("cancelled");
    expect(done.cancelled_at).toEqual(expect.any(Number));
    expect(done.request_counts?.completed).toBeLessThan(20);
    expect(bed.emulator.chatRequests.length).toBeLessThan(20);
    await expect(openai.batches.cancel((await runToEnd(batch.id)).id)).resolves.toMatchObject({
      status: "cancelled",
    });
  });

  it("shows files and batches only to the key that created them, and lists them with cursors", async () => {
    const owner = client(KEY_A);
    const other = client(KEY_B);
    const input = await owner.files.create({
      file: await toFile(Buffer.from(toJsonl(ocrBatchLines(1))), "mine.jsonl"),
      purpose: "batch",
    });
    const batch = await owner.batches.create({
      input_file_id: input.id,
      endpoint: "/v1/ocr" as "/v1/chat/completions",
      completion_window: "24h",
    });
    await expect(other.files.retrieve(input.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(other.files.content(input.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(other.batches.retrieve(batch.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(other.batches.cancel(batch.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      other.batches.create({
        input_file_id: input.id,
        endpoint: "/v1/ocr" as "/v1/chat/completions",
        completion_window: "24h",
      }),
    ).rejects.toMatchObject({ status: 404 });
    expect((await other.batches.list()).data.map((item) => item.id)).not.toContain(batch.id);

    const first = await owner.batches.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const all: string[] = [];
    for await (const item of owner.batches.list({ limit: 2 })) all.push(item.id);
    expect(all[0]).toBe(batch.id);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(5);
    await runToEnd(batch.id);
  });
});
