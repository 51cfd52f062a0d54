import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSamplePdf } from "../../documents/pdf-fixtures.ts";
import { pdfText } from "../../output-formats/support/poppler.ts";
import { receiptPath } from "../../support/fixtures.ts";
import { lacks } from "../../support/system-tools.ts";
import { VllmEmulator } from "../../support/vllm-emulator/index.ts";
import { batchEnv, listFiles, readOutput, runBatch } from "./batch-harness.ts";

let work: string;
let emulator: VllmEmulator;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "batch-archive-"));
  await mkdir(path.join(work, "in", "scans"), { recursive: true });
  await copyFile(receiptPath("000"), path.join(work, "in", "receipt.jpg"));
  await writeFile(path.join(work, "in", "scans", "report.pdf"), await buildSamplePdf());
  emulator = await VllmEmulator.start();
});

afterAll(async () => {
  await emulator?.close();
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(lacks("poppler"))("ocr-gateway batch --format pdf,alto,hocr", () => {
  it("writes a searchable PDF, ALTO and hOCR per document, read with the spotting task", async () => {
    const out = path.join(work, "out");
    const run = await runBatch(
      [path.join(work, "in"), "--out", out, "--format", "json,pdf,alto,hocr", "--quiet"],
      batchEnv(emulator),
    );
    expect(run.code, run.stderr).toBe(0);
    expect((await listFiles(out)).filter((name) => !name.startsWith(".") && name !== "report.json")).toEqual([
      "receipt.jpg.alto.xml",
      "receipt.jpg.hocr.html",
      "receipt.jpg.json",
      "receipt.jpg.pdf",
      "scans/report.pdf.alto.xml",
      "scans/report.pdf.hocr.html",
      "scans/report.pdf.json",
      "scans/report.pdf.pdf",
    ]);
    const receipt = await readOutput(out, "receipt.jpg");
    expect(receipt.task).toBe("spotting");
    const pdf = await readFile(path.join(out, "receipt.jpg.pdf"));
    const copied = (await pdfText(pdf)).replace(/\s+/g, " ").trim();
    expect(copied).toBe(receipt.text.replace(/\s+/g, " ").trim());
    const alto = await readFile(path.join(out, "scans/report.pdf.alto.xml"), "utf8");
    expect(alto.match(/<Page /g)).toHaveLength(3);
    expect(await readFile(path.join(out, "receipt.jpg.hocr.html"), "utf8")).toContain('class="ocrx_word"');
  }, 180_000);

  it("refuses another task with the archive formats before reading anything", async () => {
    const run = await runBatch(
      [path.join(work, "in"), "--out", path.join(work, "out-text"), "--format", "pdf", "--task", "text"],
      batchEnv(emulator),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("needs --task spotting");
  }, 60_000);
});
