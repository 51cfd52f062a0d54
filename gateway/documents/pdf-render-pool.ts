import { Worker } from "node:worker_threads";
import { GatewayError, InternalError } from "../errors.ts";
import type { LoadPdfOptions } from "./pdf-loader.ts";
import type { PdfWorkerReply, PdfWorkerRequest, SerializedError } from "./pdf-worker-protocol.ts";
import type { PdfDocument, RenderedPage } from "./render-pdf-pages.ts";

type PdfRequestBody = PdfWorkerRequest extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never;

interface Pending {
  resolve(reply: Extract<PdfWorkerReply, { ok: true }>): void;
  reject(error: unknown): void;
}

interface PdfWorkerSlot {
  worker: Worker;
  pending: Map<number, Pending>;
  openDocuments: number;
}

function deserialize(error: SerializedError): GatewayError {
  if (error.status !== undefined && error.type !== undefined && error.code !== undefined) {
    return new GatewayError(error.status, error.type, error.code, error.message, {
      param: error.param ?? null,
    });
  }
  return new InternalError("pdf_render_failed", "Rendering the PDF failed.", {
    cause: new Error(error.message),
  });
}

/** Opens PDFs for page rendering; `openPdf` renders in-process, `PdfRenderPool.open` in worker threads. */
export type OpenPdfFn = (bytes: Uint8Array, options: LoadPdfOptions) => Promise<PdfDocument>;

/**
 * PDF parsing and drawing in worker threads, so a 50-page document does not stall every other request.
 * Workers start on first use and each keeps its documents open between pages; a document goes to the worker
 * with the fewest open documents. A worker that dies fails its jobs (500) and is replaced on next use.
 */
export class PdfRenderPool {
  readonly #slots: Array<PdfWorkerSlot | undefined>;
  #nextId = 0;

  constructor(size: number) {
    this.#slots = Array.from({ length: Math.max(1, size) }, () => undefined);
  }

  #spawn(position: number): PdfWorkerSlot {
    const worker = new Worker(new URL("./pdf-worker-entry.mjs", import.meta.url), { execArgv: [] });
    const slot: PdfWorkerSlot = { worker, pending: new Map(), openDocuments: 0 };
    worker.unref();
    worker.on("message", (reply: PdfWorkerReply) => {
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply);
      else pending.reject(deserialize(reply.error));
    });
    const fail = (cause: unknown) => {
      if (this.#slots[position] === slot) this.#slots[position] = undefined;
      for (const pending of slot.pending.values()) {
        pending.reject(
          new InternalError("pdf_worker_crashed", "The PDF renderer stopped unexpectedly.", { cause }),
        );
      }
      slot.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`PDF worker exited with ${code}`)));
    this.#slots[position] = slot;
    return slot;
  }

  #pick(): PdfWorkerSlot {
    let best: { slot: PdfWorkerSlot; load: number } | undefined;
    for (const [position, existing] of this.#slots.entries()) {
      const slot = existing ?? this.#spawn(position);
      if (!best || slot.openDocuments < best.load) best = { slot, load: slot.openDocuments };
    }
    return (best as { slot: PdfWorkerSlot }).slot;
  }

  #call(slot: PdfWorkerSlot, body: PdfRequestBody, transfer: ArrayBuffer[] = []) {
    const id = ++this.#nextId;
    return new Promise<Extract<PdfWorkerReply, { ok: true }>>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...body, id }, transfer);
    });
  }

  /** Opens `bytes` in a worker (the bytes are copied, the caller's buffer stays usable). */
  readonly open: OpenPdfFn = async (bytes, options) => {
    const slot = this.#pick();
    const docId = ++this.#nextId;
    const copy = new Uint8Array(bytes);
    const opened = await this.#call(slot, { type: "open", docId, bytes: copy, options }, [copy.buffer]);
    slot.openDocuments++;
    let closed = false;
    return {
      pageCount: opened.pageCount ?? 0,
      renderPage: async (index, { signal, ...renderOptions } = {}): Promise<RenderedPage> => {
        signal?.throwIfAborted();
        const rendering = this.#call(slot, { type: "render", docId, index, options: renderOptions });
        const reply = await (signal
          ? Promise.race([
              rendering,
              new Promise<never>((_, reject) =>
                signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
              ),
            ])
          : rendering);
        const page = reply.page as RenderedPage;
        return { ...page, data: Buffer.from(page.data.buffer, page.data.byteOffset, page.data.byteLength) };
      },
      close: async () => {
        if (closed) return;
        closed = true;
        slot.openDocuments--;
        await this.#call(slot, { type: "close", docId }).catch(() => undefined);
      },
    };
  };

  /** Stops every worker (pending jobs fail). */
  async close(): Promise<void> {
    await Promise.all(this.#slots.map((slot) => slot?.worker.terminate()));
    this.#slots.fill(undefined);
  }
}
