import { GatewayError } from "../errors.ts";
import type { WorkerMessage } from "../workers/worker-messages.ts";
import { DEFAULT_MAX_IMAGE_PIXELS, type LoadPdfOptions } from "./pdf-loader.ts";
import type {
  PdfForget,
  PdfTask,
  PdfTaskFailure,
  PdfTaskResult,
  SerializedError,
} from "./pdf-worker-protocol.ts";
import { openPdf, type PdfDocument } from "./render-pdf-pages.ts";

// One PDF worker process: runs pdf.js (parsing and drawing, both CPU-bound) off the gateway's event loop, one
// task at a time, in a process the gateway can SIGKILL mid-stroke. Documents stay open between pages.
const send = process.send?.bind(process);
if (!send) throw new Error("pdf-worker.ts must run in a forked child process");
const post = (message: WorkerMessage<PdfTaskResult, PdfTaskFailure>) => {
  if (process.connected) send(message);
};
// A gateway that died without closing its pool (SIGKILL) leaves no worker behind.
process.on("disconnect", () => process.exit(0));

// pdf.js reports a dropped oversized image only as a console warning. Its warnings can quote document
// content, so nothing is printed: they are kept for the page being drawn and turned into notes below.
let pdfjsWarnings: string[] = [];
console.warn = (...args: unknown[]) => pdfjsWarnings.push(args.join(" "));
console.log = () => {};

const documents = new Map<number, { document: PdfDocument; options: LoadPdfOptions }>();

function serialize(error: unknown): SerializedError {
  if (error instanceof GatewayError) {
    const { status, type, code, param, message } = error;
    return { status, type, code, param, message };
  }
  return { message: (error as Error)?.message ?? String(error) };
}

async function open(docId: number, bytes: Uint8Array, options: LoadPdfOptions): Promise<PdfDocument> {
  const document = await openPdf(bytes, { ...options, reportWarnings: true });
  documents.set(docId, { document, options });
  return document;
}

/** The user-facing notes for what pdf.js warned about while drawing a page. */
function pageWarnings(warnings: readonly string[], options: LoadPdfOptions): string[] {
  const limit = options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  return warnings.some((warning) => warning.includes("Image exceeded maximum allowed size"))
    ? [
        `An embedded image larger than ${limit.toLocaleString("en")} pixels (IMAGE_MAX_INPUT_PIXELS) was left out of this page; its content is missing from the result.`,
      ]
    : [];
}

async function run(task: PdfTask): Promise<PdfTaskResult> {
  if (task.type === "open")
    return { pageCount: (await open(task.docId, task.bytes, task.options)).pageCount };
  const held = documents.get(task.docId);
  // The streams were checked when the document was first opened; another worker need not check them again.
  const { maxStreamBytes: _checked, ...reopen } = task.open?.options ?? {};
  const document = held?.document ?? (task.open && (await open(task.docId, task.open.bytes, reopen)));
  if (!document) throw new Error(`PDF ${task.docId} is not open in this worker`);
  pdfjsWarnings = [];
  const page = await document.renderPage(task.index, task.options);
  const options = held?.options ?? task.open?.options ?? {};
  return { page: { ...page, warnings: [...page.warnings, ...pageWarnings(pdfjsWarnings, options)] } };
}

process.on("message", (message: (PdfTask & { jobId: number }) | PdfForget) => {
  if (message.type === "forget") {
    void documents.get(message.docId)?.document.close();
    documents.delete(message.docId);
    return;
  }
  run(message).then(
    (result) => post({ type: "result", jobId: message.jobId, result }),
    (error: unknown) => post({ type: "failed", jobId: message.jobId, error: serialize(error) }),
  );
});

/**
 * A one-page PDF with a line of Helvetica (no xref: pdf.js rebuilds it), drawn once before the worker reports
 * ready, so a document's first page does not also pay for loading pdf.js's parser and the standard fonts.
 */
const WARM_UP_PDF = [
  "%PDF-1.4",
  "1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj",
  "2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj",
  "3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Contents 4 0 R /Resources <</Font <</F1 5 0 R>>>>>> endobj",
  "4 0 obj <</Length 32>> stream",
  "BT /F1 12 Tf 9 30 Td (warm) Tj ET",
  "endstream endobj",
  "5 0 obj <</Type /Font /Subtype /Type1 /BaseFont /Helvetica>> endobj",
  "trailer <</Root 1 0 R>>",
  "%%EOF",
].join("\n");

const started = performance.now();
const warmUp = await openPdf(Buffer.from(WARM_UP_PDF, "latin1"));
await warmUp.renderPage(0, { targetLongSide: 64 });
await warmUp.close();
post({ type: "ready", loadMs: Math.round(performance.now() - started) });
