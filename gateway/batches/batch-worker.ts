import { randomBytes, randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { CapacityGate } from "../jobs/worker/capacity-gate.ts";
import { advanceBatches, type BatchLifecycleOptions, lineOutputPrefix } from "./batch-lifecycle.ts";
import { succeeded } from "./batch-line-result.ts";
import type { ClaimedLine } from "./batch-line-store.ts";
import type { BatchRecord } from "./batch-record.ts";
import type { BatchStores } from "./batch-stores.ts";
import {
  type BatchLineDependencies,
  failedLineResult,
  type LineOutputFile,
  runBatchLine,
} from "./run-batch-line.ts";

export interface BatchWorkerOptions {
  stores: BatchStores;
  deps: BatchLineDependencies;
  lifecycle: BatchLifecycleOptions;
  /** Lines this replica runs at once (BATCH_CONCURRENCY). */
  concurrency: number;
  /** Lets lines use only the model slots interactive requests leave free (shared with job pages). */
  capacity: CapacityGate;
  /** How long a claimed line stays reserved without a renewal (JOB_LEASE_MS). */
  leaseMs: number;
  pollMs: number;
  /** Tries of a line that keeps failing transiently before its last error becomes its result. */
  maxAttempts: number;
  logger: Logger;
  /** Counts settled lines by outcome for metrics (the job units' outcomes: done, failed, retry). */
  onLine?: (outcome: "done" | "failed" | "retry") => void;
}

interface InFlight {
  line: ClaimedLine;
  abort: AbortController;
}

/**
 * Runs batch lines on this replica: claims lines with a lease, runs each through `runBatchLine`, checkpoints
 * its result, renews the leases it holds, and moves batches along their status machine. Several replicas run
 * one worker each over the same database and share the lines; a replica that dies stops renewing, and its
 * lines are claimed again by others once the lease lapses.
 */
export class BatchWorker {
  private readonly inFlight = new Map<string, InFlight>();
  private readonly batches = new Map<string, BatchRecord>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopping = false;
  private lastRenewal = 0;
  private lastPurge = 0;

  constructor(private readonly options: BatchWorkerOptions) {}

  start(): void {
    this.schedule(0);
  }

  /** Stops claiming, aborts the lines in flight and hands them back so another replica can run them now. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.ticking;
    for (const { abort } of this.inFlight.values()) abort.abort(new Error("gateway shutting down"));
    while (this.inFlight.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((error: unknown) =>
          this.options.logger.warn({ err: (error as Error).message }, "batch worker tick failed"),
        )
        .finally(() => this.schedule(this.options.pollMs));
    }, delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const { stores, lifecycle, concurrency, leaseMs } = this.options;
    await advanceBatches(stores, lifecycle);
    if (Date.now() - this.lastPurge > 60_000) {
      this.lastPurge = Date.now();
      await stores.files.purgeExpired();
    }
    if (Date.now() - this.lastRenewal > leaseMs / 3) {
      this.lastRenewal = Date.now();
      await stores.lines.renew(
        [...new Set([...this.inFlight.values()].map(({ line }) => line.lease))],
        leaseMs,
      );
    }
    const free = Math.min(concurrency - this.inFlight.size, this.options.capacity.spare(this.inFlight.size));
    if (free <= 0 || this.stopping) return;
    const lease = `${randomBytes(8).toString("hex")}`;
    for (const line of await stores.lines.claim(lease, free, leaseMs)) {
      const abort = new AbortController();
      const key = `${line.batch_id}:${line.line_index}`;
      this.inFlight.set(key, { line, abort });
      void this.run(line, abort.signal).finally(() => this.inFlight.delete(key));
    }
  }

  private async batch(id: string): Promise<BatchRecord | null> {
    const cached = this.batches.get(id);
    if (cached) return cached;
    const batch = await this.options.stores.batches.getAny(id);
    if (batch) this.batches.set(id, batch);
    return batch;
  }

  /**
   * Keeps a line's archive file as a file of the batch's owner, expiring with the batch's output at the latest
   * (closing the batch sets the exact time, that of the output file; see `closeBatch`).
   */
  private async saveLineOutput(
    batch: BatchRecord,
    line: ClaimedLine,
    file: LineOutputFile,
  ): Promise<{ fileId: string; filename: string }> {
    const created = await this.options.stores.files.create({
      owner: batch.owner,
      purpose: "batch_output",
      sample_type: "batch_result",
      filename: `${lineOutputPrefix(batch.id)}${line.line_index}_${file.filename}`,
      content: Buffer.from(file.data),
      expires_at: batch.expires_at + Math.ceil(this.options.lifecycle.resultTtlMs / 1000),
      num_lines: null,
    });
    return { fileId: created.id, filename: created.filename };
  }

  private async run(line: ClaimedLine, signal: AbortSignal): Promise<void> {
    const { stores, deps, maxAttempts, logger, onLine } = this.options;
    const requestId = randomUUID();
    try {
      const batch = await this.batch(line.batch_id);
      if (!batch) return;
      const release = await this.options.capacity.acquire(signal);
      const saved: string[] = [];
      const result = await runBatchLine(deps, {
        endpoint: batch.endpoint,
        custom_id: line.custom_id,
        owner: batch.owner,
        body: line.body,
        model: batch.model,
        requestId,
        signal,
        saveOutput: async (file) => {
          const stored = await this.saveLineOutput(batch, line, file);
          saved.push(stored.fileId);
          return stored;
        },
      }).finally(release);
      const ok = succeeded(result);
      if (await stores.lines.checkpoint(line, result, ok)) onLine?.(ok ? "done" : "failed");
      // The line was taken over by another replica: its result (and file) will be that replica's.
      else for (const fileId of saved) await stores.files.delete(batch.owner, fileId);
    } catch (error) {
      if (signal.aborted) {
        await stores.lines.release(line, Date.now()).catch(() => {});
        return;
      }
      if (line.attempts >= maxAttempts) {
        await stores.lines.checkpoint(
          line,
          failedLineResult({ custom_id: line.custom_id, requestId }, error),
          false,
        );
        onLine?.("failed");
        return;
      }
      const backoffMs = Math.min(60_000, 1_000 * 2 ** (line.attempts - 1));
      logger.info(
        { batch: line.batch_id, line: line.line_index, attempt: line.attempts, requestId },
        "batch line will be retried",
      );
      await stores.lines.release(line, Date.now() + backoffMs);
      onLine?.("retry");
    }
  }
}
