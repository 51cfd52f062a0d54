/**
 * Batch benchmark: one 1,000-page PDF job through the gateway (a child process, embedded SQLite store or
 * `--database-url`) against the vLLM emulator's capacity model (`max_num_seqs` sequences at once), while an
 * interactive client sends `/v1/ocr` requests one after another. Prints:
 *   - model throughput during the batch (batch + interactive pages/s) as a ratio of the emulator's maximum
 *     (max_num_seqs / one request's latency at idle) — goal ≥ 0.95;
 *   - interactive /v1/ocr p50 latency during the batch as a ratio of idle — goal ≤ 1.2.
 *
 *   npm run bench:batch [-- --pages 1000 --max-num-seqs 8 --page-ms 1000 --database-url postgres://…]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { readReceipt, receiptDataUrl } from "../test/support/fixtures.ts";
import { VllmEmulator } from "../test/support/vllm-emulator/index.ts";
import { freePort, startChildService } from "./lib/child-service.ts";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "1000" },
    "max-num-seqs": { type: "string", default: "8" },
    "page-ms": { type: "string", default: "1000" },
    "interactive-gap-ms": { type: "string", default: "250" },
    "database-url": { type: "string" },
  },
});
const pages = Number(values.pages);
const maxNumSeqs = Number(values["max-num-seqs"]);
const pageMs = Number(values["page-ms"]);
const gapMs = Number(values["interactive-gap-ms"]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function buildPdf(count: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let index = 0; index < count; index++) {
    pdf.addPage([595, 842]).drawText(`Archive page ${index + 1}`, { x: 72, y: 760, size: 24, font });
  }
  return pdf.save();
}

async function interactiveOcr(url: string): Promise<number> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(readReceipt("000"))], { type: "image/jpeg" }), "000.jpg");
  const started = performance.now();
  const response = await fetch(`${url}/v1/ocr`, { method: "POST", body: form });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`/v1/ocr answered ${response.status}`);
  return performance.now() - started;
}

/** One model request straight to the emulator at idle: the time a sequence occupies a slot. */
async function directLatency(emulatorUrl: string): Promise<number> {
  const body = JSON.stringify({
    model: "tencent/HunyuanOCR",
    messages: [
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: receiptDataUrl() } },
          { type: "text", text: "OCR" },
        ],
      },
    ],
    max_tokens: 256,
  });
  const started = performance.now();
  const response = await fetch(`${emulatorUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  await response.arrayBuffer();
  return performance.now() - started;
}

const emulator = await VllmEmulator.start({ maxNumSeqs });
emulator.setDefaultAnswer(() => ({ text: "page text", firstTokenDelayMs: pageMs }));
const dataDir = mkdtempSync(path.join(tmpdir(), "bench-batch-"));
const port = await freePort();
const gateway = await startChildService(
  "gateway/server.ts",
  ["--port", String(port), "--host", "127.0.0.1"],
  port,
  {
    VLLM_URL: emulator.url,
    LOG_LEVEL: "warn",
    DATA_DIR: dataDir,
    ...(values["database-url"] ? { DATABASE_URL: values["database-url"] } : {}),
    JOB_PAGES_PER_REPLICA: String(maxNumSeqs),
    JOB_RESERVED_SLOTS: "1",
    JOB_POLL_MS: "50",
    IMAGE_MAX_LONG_SIDE: "1024",
    IMAGE_MAX_PIXELS: String(1024 * 1024),
    PDF_MAX_PAGES: String(Math.max(1000, pages)),
  },
);

try {
  const direct: number[] = [];
  for (let i = 0; i < 5; i++) direct.push(await directLatency(emulator.url));
  const maxPagesPerSecond = maxNumSeqs / (median(direct) / 1000);

  const idle: number[] = [];
  for (let i = 0; i < 15; i++) idle.push(await interactiveOcr(gateway.url));
  const idleP50 = median(idle);

  const pdf = await buildPdf(pages);
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(pdf)], { type: "application/pdf" }), "archive.pdf");
  const callsBefore = emulator.chatRequests.length;
  const created = (await (
    await fetch(`${gateway.url}/v1/ocr/jobs`, { method: "POST", body: form })
  ).json()) as { id: string };
  const started = performance.now();
  let status = "queued";
  let firstPageAt = 0;
  const during: number[] = [];
  const interactive = (async () => {
    while (status === "queued" || status === "in_progress") {
      if (firstPageAt > 0) during.push(await interactiveOcr(gateway.url));
      await sleep(gapMs);
    }
  })();
  let pagesDone = 0;
  while (status === "queued" || status === "in_progress") {
    await sleep(200);
    const job = (await (await fetch(`${gateway.url}/v1/ocr/jobs/${created.id}`)).json()) as {
      status: string;
      pages_done: number;
    };
    status = job.status;
    pagesDone = job.pages_done;
    if (firstPageAt === 0 && pagesDone > 0) firstPageAt = performance.now();
  }
  const seconds = (performance.now() - started) / 1000;
  await interactive;
  const modelCalls = Math.max(0, emulator.chatRequests.length - callsBefore);
  const batchRate = pagesDone / seconds;
  const modelRate = (pagesDone + during.length) / seconds;
  const duringP50 = median(during);

  console.log(`job ${created.id}: ${status}, ${pagesDone}/${pages} pages in ${seconds.toFixed(1)} s`);
  console.log(
    `emulator: max_num_seqs ${maxNumSeqs}, one request ${median(direct).toFixed(0)} ms at idle → max ${maxPagesPerSecond.toFixed(2)} pages/s`,
  );
  console.log(
    `batch pages/s ${batchRate.toFixed(2)}; model pages/s incl. ${during.length} interactive ${modelRate.toFixed(2)}`,
  );
  console.log(
    `throughput ratio (model pages/s ÷ max): ${(modelRate / maxPagesPerSecond).toFixed(3)} (goal ≥ 0.95)`,
  );
  console.log(`batch-only ratio (batch pages/s ÷ max): ${(batchRate / maxPagesPerSecond).toFixed(3)}`);
  console.log(
    `interactive /v1/ocr p50: idle ${idleP50.toFixed(0)} ms, during batch ${duringP50.toFixed(0)} ms (n=${during.length})`,
  );
  console.log(`latency ratio (during ÷ idle): ${(duringP50 / idleP50).toFixed(3)} (goal ≤ 1.2)`);
  console.log(`emulator requests recorded during the batch: ${modelCalls} (capped at its record limit)`);
} finally {
  await gateway.stop();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
}
