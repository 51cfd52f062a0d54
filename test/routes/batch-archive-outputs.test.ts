import { Mistral } from "@mistralai/mistralai";
import OpenAI, { NotFoundError, toFile } from "openai";
import { describe, expect, it } from "vitest";
import { characterErrorRate } from "../../gateway/eval/text-metrics.ts";
import { checkPdf, pdfText } from "../output-formats/support/poppler.ts";
import { parseJsonl, pollUntil, toJsonl, useBatchGateway } from "../support/batch-fixtures.ts";
import { receiptDataUrl } from "../support/fixtures.ts";
import { lacks } from "../support/system-tools.ts";

// biome-ignore lint/suspicious/noExplicitAny: output lines are checked field by field
type Json = any;

const TERMINAL = ["completed", "failed", "expired", "cancelled"];
const KEY_A = "sk-archive-owner-a";
const KEY_B = "sk-archive-owner-b";
const receipt = { type: "image_url", image_url: receiptDataUrl("000") };

function line(customId: string, body: Record<string, unknown>) {
  return { custom_id: customId, method: "POST", url: "/v1/ocr", body: { document: receipt, ...body } };
}

describe.skipIf(lacks("poppler", "qpdf")).each(["sqlite", "postgres"] as const)(
  "batch lines with an archive output_format on %s",
  (store) => {
    const bed = useBatchGateway(store, { API_KEYS: `${KEY_A},${KEY_B}` });
    const client = (key = KEY_A) =>
      new OpenAI({ apiKey: key, baseURL: `${bed.gateway.url}/v1`, maxRetries: 0 });

    it("keeps each line's file as a batch_output file, named in the line's JSON body, downloadable with the SDK", async () => {
      const openai = client();
      // Slow model answers: the batch is still running when the test plants a stray file below.
      const slow = { text: "TOTAL: 9.00(90,640),(910,665)", firstTokenDelayMs: 1_500 };
      bed.emulator.script(slow, slow, slow);
      const input = await openai.files.create({
        file: await toFile(
          Buffer.from(
            toJsonl([
              line("scan-pdf", { output_format: "pdf" }),
              line("scan-alto", { output_format: "alto" }),
              line("scan-json", { task: "spotting" }),
              line("wrong-task", { output_format: "pdf", task: "text" }),
            ]),
          ),
          "archive.jsonl",
        ),
        purpose: "batch",
      });
      const created = await openai.batches.create({
        input_file_id: input.id,
        endpoint: "/v1/ocr" as "/v1/chat/completions",
        completion_window: "24h",
      });
      // A file a killed replica wrote without recording its line: deleted when the batch ends.
      const stores = bed.gateway.deps.batches?.stores;
      const rows = await stores?.db.all("SELECT owner FROM gateway_files WHERE id = ?", [input.id]);
      const owner = String(rows?.[0]?.owner);
      const orphan = await stores?.files.create({
        owner,
        purpose: "batch_output",
        sample_type: "batch_result",
        filename: `${created.id}_line_0_scan-pdf.pdf`,
        content: Buffer.from("%PDF-1.7 orphan"),
        expires_at: null,
        num_lines: null,
      });
      expect((await openai.files.retrieve(orphan?.id as string)).id).toBe(orphan?.id);
      const done = await pollUntil(
        () => openai.batches.retrieve(created.id),
        (batch) => TERMINAL.includes(batch.status),
      );
      expect(done.status).toBe("completed");
      expect(done.request_counts).toEqual({ total: 4, completed: 3, failed: 1 });

      const outputFile = await openai.files.retrieve(done.output_file_id as string);
      const output = parseJsonl(
        await (await openai.files.content(done.output_file_id as string)).text(),
      ) as Json[];
      const byId = new Map(output.map((entry) => [entry.custom_id, entry.response.body]));
      expect(byId.get("scan-json").output).toBeUndefined();

      const pdfBody = byId.get("scan-pdf");
      expect(pdfBody).toMatchObject({
        object: "ocr",
        output: {
          object: "ocr.output_file",
          format: "pdf",
          content_type: "application/pdf",
          filename: `${created.id}_line_0_scan-pdf.pdf`,
          file_id: expect.stringMatching(/^file-/),
        },
      });
      const pdfFile = await openai.files.retrieve(pdfBody.output.file_id);
      expect(pdfFile).toMatchObject({
        purpose: "batch_output",
        bytes: pdfBody.output.bytes,
        filename: pdfBody.output.filename,
      });
      expect(pdfFile.expires_at).toBe(outputFile.expires_at);
      const pdf = Buffer.from(await (await openai.files.content(pdfBody.output.file_id)).arrayBuffer());
      expect(pdf.length).toBe(pdfBody.output.bytes);
      expect(pdfBody.text).toContain("TOTAL: 9.00");
      expect(characterErrorRate(pdfBody.text, await pdfText(pdf))).toBeLessThanOrEqual(0.01);
      expect((await checkPdf(pdf)).check).toContain("No syntax or stream encoding errors found");

      const altoBody = byId.get("scan-alto");
      const alto = await (await openai.files.content(altoBody.output.file_id)).text();
      expect(alto).toContain('CONTENT="TOTAL:"');
      expect(altoBody.output).toMatchObject({
        format: "alto",
        filename: `${created.id}_line_1_scan-alto.alto.xml`,
      });

      const errors = parseJsonl(
        await (await openai.files.content(done.error_file_id as string)).text(),
      ) as Json[];
      expect(errors.map((entry) => [entry.custom_id, entry.response.body.error.code])).toEqual([
        ["wrong-task", "incompatible_output_format"],
      ]);

      await expect(openai.files.retrieve(orphan?.id as string)).rejects.toBeInstanceOf(NotFoundError);
      // The files belong to the batch's owner alone.
      await expect(client(KEY_B).files.retrieve(pdfBody.output.file_id)).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(client(KEY_B).files.content(pdfBody.output.file_id)).rejects.toBeInstanceOf(NotFoundError);
    });
  },
);

describe.skipIf(lacks("poppler"))("batch lines with an archive output_format through Mistral's SDK", () => {
  const bed = useBatchGateway("sqlite", { API_KEYS: "sk-mistral-archive" });

  it("reads the line body as JSON and downloads the searchable PDF", async () => {
    const mistral = new Mistral({
      apiKey: "sk-mistral-archive",
      serverURL: bed.gateway.url,
      retryConfig: { strategy: "none" },
    });
    const uploaded = await mistral.files.upload({
      file: {
        fileName: "docs.jsonl",
        content: Buffer.from(
          JSON.stringify({ custom_id: "doc-0", body: { document: receipt, output_format: "pdf" } }),
        ),
      },
      purpose: "batch",
    });
    const job = await mistral.batch.jobs.create({
      inputFiles: [uploaded.id],
      endpoint: "/v1/ocr",
      model: "mistral-ocr-latest",
    });
    const done = await pollUntil(
      () => mistral.batch.jobs.get({ jobId: job.id }),
      (value) => ["SUCCESS", "FAILED", "TIMEOUT_EXCEEDED", "CANCELLED"].includes(value.status),
    );
    expect(done.status).toBe("SUCCESS");
    const [entry] = parseJsonl(
      await new Response(await mistral.files.download({ fileId: done.outputFile as string })).text(),
    ) as Json[];
    const fileId = entry.response.body.output.file_id;
    expect(await mistral.files.retrieve({ fileId })).toMatchObject({
      purpose: "batch_output",
      mimetype: "application/pdf",
      sizeBytes: entry.response.body.output.bytes,
    });
    const pdf = Buffer.from(await new Response(await mistral.files.download({ fileId })).arrayBuffer());
    expect(characterErrorRate(entry.response.body.text, await pdfText(pdf))).toBeLessThanOrEqual(0.01);
  });
});
