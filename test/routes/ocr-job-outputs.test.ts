import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { characterErrorRate } from "../../gateway/eval/text-metrics.ts";
import { buildSamplePdf, encryptPdf } from "../documents/pdf-fixtures.ts";
import { checkPdf, pdfText, pdfWords } from "../output-formats/support/poppler.ts";
import { type BatchTestBed, useBatchGateway } from "../support/batch-fixtures.ts";
import { readReceipt } from "../support/fixtures.ts";
import { type Json, postJobJson, waitForJob } from "../support/ocr-job-client.ts";
import { lacks } from "../support/system-tools.ts";

const run = promisify(execFile);
const ALICE = { authorization: "Bearer alice-key-123" };
const BOB = { authorization: "Bearer bob-key-4567" };
/** The emulator's spotting answer (text with its box), slowed down so a test can look at a running job. */
const SLOW_SPOTTING = {
  text: "TOTAL: 9.00(90,640),(910,665)CASH 10.00(90,680),(910,705)",
  firstTokenDelayMs: 1_500,
};

/** A gateway with two API keys on the embedded SQLite store or a fresh PostgreSQL database. */
function useJobGateway(store: "sqlite" | "postgres", env: Record<string, string> = {}): BatchTestBed {
  const bed = useBatchGateway(store, { API_KEYS: "alice-key-123,bob-key-4567", JOB_POLL_MS: "20", ...env });
  afterEach(() => bed.emulator.reset());
  return bed;
}

async function submit(
  bed: BatchTestBed,
  file: { bytes: Uint8Array; name: string },
  fields: Record<string, string>,
  headers: Record<string, string> = ALICE,
): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(file.bytes)]), file.name);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return fetch(`${bed.gateway.url}/v1/ocr/jobs`, { method: "POST", body: form, headers });
}

async function finishedJob(bed: BatchTestBed, file: { bytes: Uint8Array; name: string }, format: string) {
  const response = await submit(bed, file, { output_format: format });
  const created = (await response.json()) as Json;
  expect(response.status, JSON.stringify(created)).toBe(202);
  expect(created).toMatchObject({ task: "spotting", output_format: format });
  const job = await waitForJob(bed.gateway.url, created.id, { headers: ALICE });
  expect(job.status, JSON.stringify(job.error)).toBe("completed");
  return job;
}

async function download(bed: BatchTestBed, id: string, headers: Record<string, string> = ALICE) {
  const response = await fetch(`${bed.gateway.url}/v1/ocr/jobs/${id}/content`, { headers });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

async function withTempFile<T>(name: string, body: Uint8Array, use: (file: string) => Promise<T>) {
  const dir = await mkdtemp(path.join(tmpdir(), "job-output-"));
  try {
    const file = path.join(dir, name);
    await writeFile(file, body);
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How often each word occurs. */
function wordCounts(words: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

describe.skipIf(lacks("poppler", "qpdf", "xmllint")).each(["sqlite", "postgres"] as const)(
  "async OCR jobs with an archive output_format (%s)",
  (store) => {
    const bed = useJobGateway(store);

    it("renders a searchable PDF when the job ends: its text is the job's text, downloadable by its owner only", async () => {
      bed.emulator.script(SLOW_SPOTTING);
      const response = await submit(
        bed,
        { bytes: readReceipt("000"), name: "000.jpg" },
        { output_format: "pdf" },
      );
      const created = (await response.json()) as Json;
      expect(response.status).toBe(202);
      const early = await download(bed, created.id);
      expect(early.response.status).toBe(409);
      expect(JSON.parse(early.body.toString()).error.code).toBe("job_not_finished");

      const job = await waitForJob(bed.gateway.url, created.id, { headers: ALICE });
      expect(job.output).toMatchObject({
        object: "ocr.job.output",
        format: "pdf",
        content_type: "application/pdf",
        filename: "000.pdf",
        download_path: `/v1/ocr/jobs/${job.id}/content`,
      });
      const { response: got, body } = await download(bed, job.id);
      expect(got.status).toBe(200);
      expect(got.headers.get("content-type")).toBe("application/pdf");
      expect(got.headers.get("content-disposition")).toContain('filename="000.pdf"');
      expect(body.length).toBe(job.output.bytes);
      expect(job.result.text).toContain("TOTAL: 9.00");
      expect(characterErrorRate(job.result.text, await pdfText(body))).toBeLessThanOrEqual(0.01);
      const { check, xmp } = await checkPdf(body);
      expect(check).toContain("No syntax or stream encoding errors found");
      expect(xmp).toMatch(/<pdfaid:part>2<\/pdfaid:part>/);

      // Another key sees no such job; deleting the job deletes its file.
      const stranger = await download(bed, job.id, BOB);
      expect(stranger.response.status).toBe(404);
      expect(JSON.parse(stranger.body.toString()).error.code).toBe("job_not_found");
      const deleted = await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}`, {
        method: "DELETE",
        headers: ALICE,
      });
      expect(deleted.status).toBe(200);
      expect((await download(bed, job.id)).response.status).toBe(404);
      expect(await bed.gateway.deps.jobs?.store().getOutput(job.id)).toBeUndefined();
    });

    it("a PDF's pages are read one unit each; the searchable copy adds exactly the words the job answered", async () => {
      const source = await buildSamplePdf();
      const job = await finishedJob(bed, { bytes: source, name: "sample.pdf" }, "pdf");
      expect(job.pages_total).toBe(3);
      const { body } = await download(bed, job.id);
      expect((await checkPdf(body)).info).toMatch(/Pages:\s+3\n/);
      const added = wordCounts((await pdfWords(body)).map((word) => word.text));
      for (const word of await pdfWords(source)) added.set(word.text, (added.get(word.text) ?? 0) - 1);
      const answered = wordCounts(job.result.text.split(/\s+/).filter(Boolean));
      expect(answered.size).toBeGreaterThan(0);
      expect(new Map([...added].filter(([, count]) => count !== 0))).toEqual(answered);
    });

    it("ALTO validates against the ALTO 4 subset, one Page per page; hOCR carries a bbox on every word", async () => {
      const alto = await finishedJob(bed, { bytes: await buildSamplePdf(), name: "sample.pdf" }, "alto");
      const altoFile = await download(bed, alto.id);
      expect(altoFile.response.headers.get("content-type")).toBe("application/xml; charset=utf-8");
      expect(altoFile.response.headers.get("content-disposition")).toContain('filename="sample.alto.xml"');
      await withTempFile("out.xml", altoFile.body, async (file) => {
        const schema = path.resolve(import.meta.dirname, "../output-formats/fixtures/alto-4-subset.xsd");
        expect((await run("xmllint", ["--noout", "--schema", schema, file])).stderr).toContain("validates");
        const pages = await run("xmllint", ["--xpath", "count(//*[local-name()='Page'])", file]);
        expect(pages.stdout.trim()).toBe("3");
      });

      // Mistral-style JSON: the file is named after `document_name`.
      const posted = await postJobJson(
        bed.gateway.url,
        {
          document: {
            type: "document_url",
            document_url: `data:image/jpeg;base64,${readReceipt("000").toString("base64")}`,
            document_name: "box-7 scan.jpg",
          },
          output_format: "hocr",
        },
        ALICE,
      );
      expect(posted.status).toBe(202);
      const hocr = await waitForJob(bed.gateway.url, ((await posted.json()) as Json).id, { headers: ALICE });
      expect(hocr.output).toMatchObject({ format: "hocr", filename: "box-7_scan.hocr.html" });
      const hocrFile = await download(bed, hocr.id);
      expect(hocrFile.response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(hocrFile.response.headers.get("content-disposition")).toContain(
        'filename="box-7_scan.hocr.html"',
      );
      await withTempFile("out.html", hocrFile.body, async (file) => {
        const count = async (xpath: string) =>
          Number((await run("xmllint", ["--xpath", `count(${xpath})`, file])).stdout.trim());
        const words = await count("//*[@class='ocrx_word']");
        expect(await count("//*[@class='ocr_line']")).toBe(6);
        expect(words).toBeGreaterThan(6);
        expect(await count("//*[@class='ocrx_word' and starts-with(@title, 'bbox ')]")).toBe(words);
      });
    });

    it("refuses what /v1/ocr refuses before a job exists; a JSON job has no file", async () => {
      const receipt = { bytes: readReceipt("000"), name: "000.jpg" };
      const wrongTask = await submit(bed, receipt, { output_format: "pdf", task: "text" });
      expect(wrongTask.status).toBe(400);
      expect(((await wrongTask.json()) as Json).error.code).toBe("incompatible_output_format");
      const locked = await encryptPdf(await buildSamplePdf(), "", "owner-secret");
      const encrypted = await submit(bed, { bytes: locked, name: "locked.pdf" }, { output_format: "pdf" });
      expect(encrypted.status).toBe(422);
      expect(((await encrypted.json()) as Json).error.code).toBe("encrypted_pdf_not_supported");
      expect(bed.emulator.chatRequests).toHaveLength(0);

      const plain = (await (await submit(bed, receipt, {})).json()) as Json;
      const done = await waitForJob(bed.gateway.url, plain.id, { headers: ALICE });
      expect(done).toMatchObject({ status: "completed", output_format: "json", output: null });
      const none = await download(bed, plain.id);
      expect(none.response.status).toBe(404);
      expect(JSON.parse(none.body.toString()).error.code).toBe("job_has_no_output");
    });
  },
);

describe.skipIf(lacks("poppler"))("job output retention", () => {
  const bed = useJobGateway("sqlite", { JOB_RESULT_TTL: "2s", JOB_SWEEP_INTERVAL_MS: "200" });

  it("the sweep purges the file with the result once JOB_RESULT_TTL is over", async () => {
    const job = await finishedJob(bed, { bytes: readReceipt("000"), name: "000.jpg" }, "pdf");
    expect((await download(bed, job.id)).response.status).toBe(200);
    const deadline = Date.now() + 30_000;
    while ((await download(bed, job.id)).response.status !== 404) {
      if (Date.now() > deadline) throw new Error("the job was not purged");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await bed.gateway.deps.jobs?.store().getOutput(job.id)).toBeUndefined();
  });
});
