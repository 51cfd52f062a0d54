import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  GatewayError,
  InternalError,
  RateLimitError,
  ServiceUnavailableError,
  UnprocessableEntityError,
} from "../errors.ts";
import { processWorker } from "../workers/pool-worker.ts";
import { type PoolTask, WorkerPool } from "../workers/worker-pool.ts";
import type { LoadPdfOptions } from "./pdf-loader.ts";
import type {
  PdfForget,
  PdfTask,
  PdfTaskFailure,
  PdfTaskResult,
  SerializedError,
} from "./pdf-worker-protocol.ts";
import type { PdfDocument, RenderedPage } from "./render-pdf-pages.ts";

/** Opens PDFs for page rendering; `openPdf` renders in-process, `PdfRenderPool.open` in worker processes. */
export type OpenPdfFn = (
  bytes: Uint8Array,
  options: LoadPdfOptions,
  signal?: AbortSignal,
) => Promise<PdfDocument>;

export interface PdfRenderPoolOptions {
  /** Worker processes. */
  workers: number;
  /** A page (or opening a document) that takes longer is stopped by killing its worker: 422 `pdf_page_timeout`. */
  pageTimeoutMs: number;
  /** Heap limit and resident-memory bound of each worker; a page that needs more: 422 `pdf_memory_limit`. */
  memoryMb: number;
}

const ENTRY = fileURLToPath(new URL("./pdf-worker-entry.mjs", import.meta.url));

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

/**
 * PDF parsing and drawing in child processes, so no document can stall the gateway or hog the renderer: every
 * page (and every open) has a deadline, enforced by SIGKILL, which also stops a native canvas call that a
 * worker thread's `terminate()` would wait for; each worker's memory is bounded; the queue serves documents
 * in turn and one document may use all workers but one. A client's abort kills the worker drawing its page.
 * A killed or crashed worker is replaced; its task fails (422 for deadline or memory, 503 `pdf_worker_crashed`).
 * Workers start on first use.
 */
export class PdfRenderPool {
  readonly #options: PdfRenderPoolOptions;
  #pool: Promise<WorkerPool<PdfTaskResult, PdfTaskFailure>> | undefined;
  #openDocuments = 0;
  #nextDocId = 0;

  constructor(options: PdfRenderPoolOptions) {
    this.#options = { ...options, workers: Math.max(1, options.workers) };
  }

  #start(): Promise<WorkerPool<PdfTaskResult, PdfTaskFailure>> {
    const { workers, memoryMb } = this.#options;
    this.#pool ??= WorkerPool.start<PdfTaskResult, PdfTaskFailure>({
      size: workers,
      maxWorkersPerGroup: Math.max(1, workers - 1),
      maxResidentBytes: memoryMb * 1024 * 1024,
      readyWhen: "first",
      spawn: () =>
        processWorker(
          fork(ENTRY, [], {
            execArgv: [`--max-old-space-size=${memoryMb}`],
            serialization: "advanced",
            stdio: ["ignore", "ignore", "inherit", "ipc"],
          }),
        ),
      errors: {
        busy: (retryAfter) =>
          new RateLimitError("pdf_renderer_busy", "The PDF renderer is busy; retry later", {
            headers: { "retry-after": String(retryAfter) },
          }),
        closed: () => new ServiceUnavailableError("pdf_renderer_closed", "The PDF renderer is shut down."),
        crashed: (detail) =>
          new ServiceUnavailableError(
            "pdf_worker_crashed",
            `The PDF renderer stopped unexpectedly (${detail}).`,
          ),
        failed: ({ error }) => deserialize(error),
        loadFailed: (detail) =>
          new ServiceUnavailableError(
            "pdf_renderer_unavailable",
            `The PDF renderer could not start: ${detail}`,
          ),
      },
    }).then(
      ({ pool }) => pool,
      (error: unknown) => {
        this.#pool = undefined;
        throw error;
      },
    );
    return this.#pool;
  }

  #task(docId: number, what: string, body: (workerId: number) => PdfTask, signal?: AbortSignal): PoolTask {
    const { pageTimeoutMs, memoryMb } = this.#options;
    return {
      group: docId,
      tag: signal,
      abortRunning: "terminate",
      timeoutMs: pageTimeoutMs,
      timeoutError: () =>
        new UnprocessableEntityError(
          what === "open" ? "pdf_open_timeout" : "pdf_page_timeout",
          `${what === "open" ? "Opening the PDF" : `Rendering page ${what}`} took longer than the ${pageTimeoutMs} ms limit (PDF_PAGE_TIMEOUT_MS); it is too complex to draw.`,
          what === "open" ? {} : { param: "pages" },
        ),
      memoryError: () =>
        new UnprocessableEntityError(
          "pdf_memory_limit",
          `${what === "open" ? "Opening the PDF" : `Rendering page ${what}`} needed more than the ${memoryMb} MB memory limit (PDF_WORKER_MEMORY_MB).`,
        ),
      message: (workerId) => ({ body: body(workerId) }),
    };
  }

  /** Opens `bytes` in a worker (the bytes are copied, the caller's buffer stays usable). */
  readonly open: OpenPdfFn = async (bytes, options, signal) => {
    signal?.throwIfAborted();
    const pool = await this.#start();
    const docId = ++this.#nextDocId;
    const copy = new Uint8Array(bytes);
    /** Workers that were sent the bytes (ids are never reused, so a replaced worker gets them again). */
    const holders = new Set<number>();
    /** One abort listener per caller's signal for the whole document, not one per page. */
    const linked = new Map<AbortSignal, () => void>();
    const link = (target: AbortSignal | undefined) => {
      if (!target || linked.has(target)) return;
      const abort = () => pool.abortTagged(target, target.reason);
      target.addEventListener("abort", abort, { once: true });
      linked.set(target, abort);
    };
    const unlink = () => {
      for (const [target, abort] of linked) target.removeEventListener("abort", abort);
      linked.clear();
    };

    link(signal);
    let opened: PdfTaskResult;
    try {
      opened = await pool.run(
        this.#task(
          docId,
          "open",
          (workerId) => {
            holders.add(workerId);
            return { type: "open", docId, bytes: copy, options };
          },
          signal,
        ),
      );
    } catch (error) {
      unlink();
      pool.notify(holders, { type: "forget", docId } satisfies PdfForget);
      throw error;
    }
    this.#openDocuments++;
    let closed = false;
    return {
      pageCount: opened.pageCount ?? 0,
      renderPage: async (index, { signal: pageSignal, ...renderOptions } = {}): Promise<RenderedPage> => {
        if (closed) throw new Error("The PDF is closed");
        pageSignal?.throwIfAborted();
        link(pageSignal);
        const reply = await pool.run(
          this.#task(
            docId,
            String(index),
            (workerId) => {
              if (holders.has(workerId)) return { type: "render", docId, index, options: renderOptions };
              holders.add(workerId);
              return { type: "render", docId, index, options: renderOptions, open: { bytes: copy, options } };
            },
            pageSignal,
          ),
        );
        const page = reply.page as RenderedPage;
        return { ...page, data: Buffer.from(page.data.buffer, page.data.byteOffset, page.data.byteLength) };
      },
      // Never waits on a worker: a dead one has nothing to free, a live one frees the document when it reads this.
      close: async () => {
        if (closed) return;
        closed = true;
        this.#openDocuments--;
        unlink();
        pool.notify(holders, { type: "forget", docId } satisfies PdfForget);
      },
    };
  };

  /** The renderer's state for `/ready`: workers alive and busy, pages queued, workers replaced, open documents. */
  async stats(): Promise<Record<string, number>> {
    const pool = this.#pool && (await this.#pool.catch(() => undefined));
    const { busy = 0, queued = 0, workers = 0, replaced = 0 } = pool?.stats() ?? {};
    return { workers, busy, queued, replaced, openDocuments: this.#openDocuments };
  }

  /** Kills every worker process (pending tasks fail with 503); returns at once whatever a worker is doing. */
  async close(): Promise<void> {
    const pool = this.#pool && (await this.#pool.catch(() => undefined));
    this.#pool = undefined;
    await pool?.close();
  }
}
