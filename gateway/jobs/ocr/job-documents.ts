import type { OpenedOcrTask } from "../../ocr/ocr-service.ts";

interface Entry {
  opened: Promise<OpenedOcrTask>;
  users: number;
  idle: NodeJS.Timeout | undefined;
}

/**
 * The documents of the jobs this process is working on, opened once per job and shared by its pages (a PDF
 * is parsed once, not once per page), closed when idle for `idleMs` or when the job ends.
 */
export class JobDocuments {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly idleMs = 30_000) {}

  /** Runs `use` with the job's opened document, opening it with `open` if this process has not yet. */
  async with<T>(
    jobId: string,
    open: () => Promise<OpenedOcrTask>,
    use: (task: OpenedOcrTask) => Promise<T>,
  ): Promise<T> {
    let entry = this.#entries.get(jobId);
    if (!entry) {
      entry = { opened: open(), users: 0, idle: undefined };
      this.#entries.set(jobId, entry);
      // A failed open is not cached: the next page tries again.
      entry.opened.catch(() => this.#entries.delete(jobId));
    }
    clearTimeout(entry.idle);
    entry.users++;
    try {
      return await use(await entry.opened);
    } finally {
      entry.users--;
      if (entry.users === 0) {
        entry.idle = setTimeout(() => void this.close(jobId), this.idleMs);
        entry.idle.unref();
      }
    }
  }

  async close(jobId: string): Promise<void> {
    const entry = this.#entries.get(jobId);
    if (!entry || entry.users > 0) return;
    this.#entries.delete(jobId);
    clearTimeout(entry.idle);
    await (await entry.opened.catch(() => undefined))?.document.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#entries.keys()].map((jobId) => this.close(jobId)));
  }
}
