import type { SkippedInput } from "./batch-document.ts";
import type { DocumentOutcome } from "./batch-run.ts";
import type { FailureReason } from "./run-state.ts";

/** The run's figures so far: what the progress display shows and the report ends with. */
export interface BatchCounts {
  /** Documents in the run (skipped inputs not included). */
  total: number;
  /** Finished in this run, whatever the outcome. */
  finished: number;
  /** Read now (including copies of documents read now). */
  done: number;
  doneEarlier: number;
  duplicates: number;
  failed: number;
  abandoned: number;
  /** Pages read by the model in this run (copies and earlier results not counted). */
  pagesRead: number;
  /** Pages of every document done, now or earlier. */
  pagesDone: number;
  elapsedSeconds: number;
}

/** Adds up document outcomes as they arrive. */
export class BatchTally {
  private readonly startedAt = performance.now();
  readonly counts: Omit<BatchCounts, "elapsedSeconds">;
  readonly failures: Array<{ key: string } & FailureReason> = [];

  constructor(
    total: number,
    readonly skipped: readonly SkippedInput[],
  ) {
    this.counts = {
      total,
      finished: 0,
      done: 0,
      doneEarlier: 0,
      duplicates: 0,
      failed: 0,
      abandoned: 0,
      pagesRead: 0,
      pagesDone: 0,
    };
    for (const input of skipped) {
      if (input.failure)
        this.failures.push({ key: input.key, code: input.code, status: 0, message: input.message });
    }
  }

  add(outcome: DocumentOutcome): void {
    const counts = this.counts;
    counts.finished++;
    if (outcome.status === "failed") {
      counts.failed++;
      const reason = outcome.reason ?? { code: "unknown", status: 0, message: "" };
      this.failures.push({ key: outcome.key, ...reason });
    } else if (outcome.status === "abandoned") {
      counts.abandoned++;
    } else {
      counts.pagesDone += outcome.pages;
      if (outcome.note === "done_earlier") counts.doneEarlier++;
      else {
        counts.done++;
        if (outcome.note === "duplicate") counts.duplicates++;
        else if (outcome.note !== "outputs_completed") counts.pagesRead += outcome.pages;
      }
    }
  }

  snapshot(): BatchCounts {
    return { ...this.counts, elapsedSeconds: (performance.now() - this.startedAt) / 1000 };
  }

  /** Failures (documents and rejected manifest lines) by code, most frequent first. */
  failuresByCode(): Array<[string, number]> {
    const byCode = new Map<string, number>();
    for (const failure of this.failures) byCode.set(failure.code, (byCode.get(failure.code) ?? 0) + 1);
    return [...byCode].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }
}
