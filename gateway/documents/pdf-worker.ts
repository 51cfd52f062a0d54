import { parentPort } from "node:worker_threads";
import { GatewayError } from "../errors.ts";
import type { PdfWorkerReply, PdfWorkerRequest, SerializedError } from "./pdf-worker-protocol.ts";
import { openPdf, type PdfDocument } from "./render-pdf-pages.ts";

// Runs pdf.js (parsing and drawing, both CPU-bound) off the gateway's event loop. Documents stay open here
// between page renders, so a PDF's bytes cross the thread boundary once.
const port = parentPort;
if (!port) throw new Error("pdf-worker.ts must run in a worker thread");
const documents = new Map<number, PdfDocument>();

function serialize(error: unknown): SerializedError {
  if (error instanceof GatewayError) {
    return {
      status: error.status,
      type: error.type,
      code: error.code,
      param: error.param,
      message: error.message,
    };
  }
  return { message: (error as Error)?.message ?? String(error) };
}

function documentFor(docId: number): PdfDocument {
  const document = documents.get(docId);
  if (!document) throw new Error(`PDF ${docId} is not open in this worker`);
  return document;
}

async function handle(request: PdfWorkerRequest): Promise<PdfWorkerReply> {
  switch (request.type) {
    case "open": {
      const document = await openPdf(request.bytes, request.options);
      documents.set(request.docId, document);
      return { id: request.id, ok: true, pageCount: document.pageCount };
    }
    case "render":
      return {
        id: request.id,
        ok: true,
        page: await documentFor(request.docId).renderPage(request.index, request.options),
      };
    case "close":
      await documents.get(request.docId)?.close();
      documents.delete(request.docId);
      return { id: request.id, ok: true };
  }
}

port.on("message", (request: PdfWorkerRequest) => {
  handle(request).then(
    (reply) => port.postMessage(reply),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: serialize(error) } satisfies PdfWorkerReply),
  );
});
