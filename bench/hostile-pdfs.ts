/**
 * Hostile PDFs against the PDF renderer, as `/v1/ocr` uses it:
 * 1. a second client's 1-page PDF latency, alone and while a stroke-heavy PDF renders, with one worker and no
 *    deadline (how the renderer behaved before) and with the defaults (2 workers, fair queue, 20 s deadline);
 * 2. the peak resident memory of rendering a deflate bomb (0.4 MB → 400 MB content stream), in-process (as a
 *    worker thread shares the process) and in a worker process with its memory bound.
 *
 *   npx tsx bench/hostile-pdfs.ts [--workers-memory-mb 1024] [--skip-latency]
 */
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { PdfRenderPool } from "../gateway/documents/pdf-render-pool.ts";
import { openPdf } from "../gateway/documents/render-pdf-pages.ts";
import { deflateBombPdf, strokeHeavyPdf } from "../test/documents/hostile-pdfs.ts";
import { buildReceiptPdf } from "../test/support/ocr-fixtures.ts";

const { values } = parseArgs({
  options: {
    "workers-memory-mb": { type: "string", default: "1024" },
    "skip-latency": { type: "boolean", default: false },
  },
});
const memoryMb = Number(values["workers-memory-mb"]);

/** Resident bytes of this process's children (the PDF workers), summed. */
function childrenResidentBytes(): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    const children = readFileSync(`/proc/${process.pid}/task/${task}/children`, "latin1").trim();
    for (const pid of children ? children.split(" ") : []) {
      try {
        total += Number(readFileSync(`/proc/${pid}/statm`, "latin1").split(" ")[1]) * 4096;
      } catch {}
    }
  }
  return total;
}

function selfResidentBytes(): number {
  return process.memoryUsage().rss;
}

async function peakWhile<T>(
  sample: () => number,
  work: Promise<T>,
): Promise<{ result: T | Error; peakMb: number }> {
  let peak = sample();
  const timer = setInterval(() => {
    peak = Math.max(peak, sample());
  }, 50);
  const result = await work.catch((error: Error) => error);
  clearInterval(timer);
  return { result, peakMb: Math.round(peak / 1024 / 1024) };
}

async function smallPdfLatency(pool: PdfRenderPool, small: Uint8Array): Promise<number> {
  const started = performance.now();
  const document = await pool.open(small, {});
  const opened = performance.now();
  await document.renderPage(0);
  if (process.env.BENCH_DEBUG)
    console.log(
      `  open ${Math.round(opened - started)} ms, render ${Math.round(performance.now() - opened)} ms`,
    );
  await document.close();
  return Math.round(performance.now() - started);
}

async function latencyScenario(label: string, workers: number, pageTimeoutMs: number): Promise<void> {
  const pool = new PdfRenderPool({ workers, pageTimeoutMs, memoryMb });
  const small = await buildReceiptPdf(1);
  const hostile = await strokeHeavyPdf(4, 900);
  await smallPdfLatency(pool, small); // starts the workers
  const alone = await smallPdfLatency(pool, small);
  const hostileStarted = performance.now();
  const hostileDocument = await pool.open(hostile, {});
  const hostileRender = hostileDocument.renderPage(0).then(
    () => `rendered in ${Math.round(performance.now() - hostileStarted)} ms`,
    (error: Error & { code?: string }) =>
      `${error.code} after ${Math.round(performance.now() - hostileStarted)} ms`,
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const during = await smallPdfLatency(pool, small);
  console.log(`${label}: small PDF alone ${alone} ms, while a stroke-heavy PDF renders ${during} ms`);
  console.log(`${label}: the stroke-heavy page: ${await hostileRender}`);
  await hostileDocument.close();
  await pool.close();
}

if (!values["skip-latency"]) {
  await latencyScenario("1 worker, no deadline (before)", 1, 600_000);
  await latencyScenario("2 workers, 20 s deadline (after)", 2, 20_000);
}

const bomb = await deflateBombPdf(400);
console.log(`deflate bomb: ${bomb.length} bytes`);
const inProcess = await peakWhile(
  selfResidentBytes,
  openPdf(bomb, {}).then((document) => document.renderPage(0)),
);
console.log(
  `in-process: peak RSS ${inProcess.peakMb} MB, ${inProcess.result instanceof Error ? inProcess.result.message : "rendered"}`,
);
const pool = new PdfRenderPool({ workers: 2, pageTimeoutMs: 60_000, memoryMb });
const gatewayBefore = selfResidentBytes();
const inWorker = await peakWhile(
  childrenResidentBytes,
  pool.open(bomb, {}).then((document) => document.renderPage(0)),
);
const error = inWorker.result as Error & { status?: number; code?: string };
console.log(
  `worker processes (PDF_WORKER_MEMORY_MB=${memoryMb}): peak RSS of both workers ${inWorker.peakMb} MB, ` +
    `gateway ${Math.round(gatewayBefore / 1048576)} → ${Math.round(selfResidentBytes() / 1048576)} MB, ` +
    `${error instanceof Error ? `${error.status} ${error.code}: ${error.message}` : "rendered"}`,
);
await pool.close();

const checked = new PdfRenderPool({ workers: 2, pageTimeoutMs: 60_000, memoryMb });
const withCheck = await peakWhile(
  childrenResidentBytes,
  checked.open(bomb, { maxStreamBytes: 256 * 1048576 }).then((document) => document.renderPage(0)),
);
const refused = withCheck.result as Error & { status?: number; code?: string };
console.log(
  `worker processes with PDF_MAX_STREAM_MB=256: peak RSS of both workers ${withCheck.peakMb} MB, ` +
    `${refused instanceof Error ? `${refused.status} ${refused.code}` : "rendered"}`,
);
await checked.close();
