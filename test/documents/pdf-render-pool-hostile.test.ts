import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { PdfRenderPool } from "../../gateway/documents/pdf-render-pool.ts";
import type { GatewayError } from "../../gateway/errors.ts";
import { buildReceiptPdf } from "../support/ocr-fixtures.ts";
import { deflateBombPdf, hugeImagePdf, strokeHeavyPdf } from "./hostile-pdfs.ts";

// Worker processes start slowly on a busy machine; every wait below is generous and nothing asserts a duration.
const SLOW = 240_000;

const pools: PdfRenderPool[] = [];
function startPool(options: Partial<ConstructorParameters<typeof PdfRenderPool>[0]> = {}): PdfRenderPool {
  const pool = new PdfRenderPool({ workers: 2, pageTimeoutMs: 120_000, memoryMb: 2048, ...options });
  pools.push(pool);
  return pool;
}
afterAll(() => Promise.all(pools.map((pool) => pool.close())));

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: GatewayError) => error,
  );

/** PIDs of this process's children: the PDF workers. */
function childPids(): number[] {
  return readdirSync("/proc/self/task").flatMap((task) => {
    const listed = readFileSync(`/proc/self/task/${task}/children`, "latin1").trim();
    return listed ? listed.split(" ").map(Number) : [];
  });
}

async function renderSmallPdf(pool: PdfRenderPool): Promise<number> {
  const document = await pool.open(await buildReceiptPdf(1), {});
  try {
    return (await document.renderPage(0)).width;
  } finally {
    await document.close();
  }
}

describe("PdfRenderPool against hostile PDFs", () => {
  it(
    "stops a page past PDF_PAGE_TIMEOUT_MS with 422 pdf_page_timeout, replaces the worker, renders the next PDF",
    async () => {
      // Long enough for an ordinary page on a loaded machine; the stroke-heavy page needs over a minute.
      const pool = startPool({ workers: 1, pageTimeoutMs: 5000 });
      const document = await pool.open(await strokeHeavyPdf(6), {});
      const error = await failure(document.renderPage(0));
      expect(error).toMatchObject({ status: 422, code: "pdf_page_timeout", param: "pages" });
      expect(error?.message).toContain("page 0");
      expect(error?.message).toContain("5000 ms limit (PDF_PAGE_TIMEOUT_MS)");
      await document.close();
      expect(await renderSmallPdf(pool)).toBeGreaterThan(0);
      expect(await pool.stats()).toMatchObject({ workers: 1, busy: 0, replaced: 1, openDocuments: 0 });
    },
    SLOW,
  );

  it(
    "lets a second client's small PDF through while a stroke-heavy page occupies a worker",
    async () => {
      const pool = startPool();
      await renderSmallPdf(pool); // both workers up
      const hostile = await pool.open(await strokeHeavyPdf(6), {});
      const drawing = hostile.renderPage(0).then(
        () => "hostile",
        () => "hostile",
      );
      // The hostile document may occupy all workers but one, and the queue serves documents in turn.
      const hostileAgain = hostile.renderPage(0).then(
        () => "hostile",
        () => "hostile",
      );
      const small = renderSmallPdf(pool).then(() => "small");
      expect(await Promise.race([drawing, hostileAgain, small])).toBe("small");
      expect((await pool.stats()).busy).toBe(1);
      await hostile.close();
    },
    SLOW,
  );

  it(
    "kills the worker drawing a page whose caller aborted",
    async () => {
      const pool = startPool({ workers: 1 });
      await renderSmallPdf(pool);
      const document = await pool.open(await strokeHeavyPdf(), {});
      const controller = new AbortController();
      const rendering = failure(document.renderPage(0, { signal: controller.signal }));
      await new Promise((resolve) => setTimeout(resolve, 500));
      controller.abort(new Error("client left"));
      expect((await rendering)?.message).toBe("client left");
      expect(await pool.stats()).toMatchObject({ busy: 0, replaced: 1 });
      await document.close();
      expect(await renderSmallPdf(pool)).toBeGreaterThan(0);
    },
    SLOW,
  );

  it(
    "stops a deflate bomb at PDF_WORKER_MEMORY_MB with 422 pdf_memory_limit",
    async () => {
      const pool = startPool({ workers: 1, memoryMb: 450 });
      const bomb = await deflateBombPdf(400);
      expect(bomb.length).toBeLessThan(500_000);
      const error = await failure(pool.open(bomb, {}).then((document) => document.renderPage(0)));
      expect(error).toMatchObject({ status: 422, code: "pdf_memory_limit" });
      expect(error?.message).toContain("450 MB");
      expect(await renderSmallPdf(pool)).toBeGreaterThan(0);
    },
    SLOW,
  );

  it(
    "says on the page that an embedded image over the pixel limit was left out",
    async () => {
      const pool = startPool({ workers: 1 });
      const document = await pool.open(await hugeImagePdf(), { maxImagePixels: 100_000_000 });
      const page = await document.renderPage(0);
      await document.close();
      expect(page.warnings).toEqual([expect.stringContaining("larger than 100,000,000 pixels")]);
      const normal = await pool.open(await buildReceiptPdf(2), {});
      expect((await normal.renderPage(1)).warnings).toEqual([]);
      await normal.close();
    },
    SLOW,
  );

  it(
    "fails the pages of a worker that died with 503 pdf_worker_crashed; closing its document returns",
    async () => {
      const pool = startPool({ workers: 1 });
      await renderSmallPdf(pool);
      const document = await pool.open(await strokeHeavyPdf(), {});
      const rendering = failure(document.renderPage(0));
      const before = new Set(childPids());
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const pid of before) process.kill(pid, "SIGKILL");
      expect(await rendering).toMatchObject({ status: 503, code: "pdf_worker_crashed" });
      await document.close();
      expect(await renderSmallPdf(pool)).toBeGreaterThan(0);
    },
    SLOW,
  );

  it(
    "renders 12 pages with one signal without a MaxListenersExceededWarning",
    async () => {
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(warning.name);
      process.on("warning", onWarning);
      const pool = startPool();
      const document = await pool.open(await buildReceiptPdf(12), {});
      const { signal } = new AbortController();
      const pages = await Promise.all(
        Array.from({ length: 12 }, (_, index) => document.renderPage(index, { signal, targetLongSide: 256 })),
      );
      await document.close();
      await new Promise((resolve) => setImmediate(resolve));
      process.off("warning", onWarning);
      expect(pages.map((page) => page.index)).toEqual([...Array(12).keys()]);
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    },
    SLOW,
  );
});
