import type { BatchTally } from "./batch-tally.ts";

/** `report.json`, and what `--json` prints: the run's outcome for people and scripts. */
export interface BatchReport {
  input: string;
  out: string;
  runner: string;
  formats: string[];
  started_at: string;
  finished_at: string;
  wall_seconds: number;
  interrupted: boolean;
  /** Why the run stopped by itself before the end (the model server unreachable), or null. */
  stopped_because: string | null;
  documents: {
    total: number;
    done: number;
    done_earlier: number;
    duplicates: number;
    failed: number;
    abandoned: number;
    pending: number;
    /** Handed to the server's batch API (`--submit`) and not collected yet (`--wait` downloads them). */
    submitted: number;
    ignored: number;
  };
  pages: { read: number; done: number; per_second: number };
  failures: {
    by_code: Record<string, number>;
    documents: Array<{ key: string; code: string; status: number; message: string }>;
  };
  ignored: Array<{ key: string; code: string; message: string }>;
  /** The server batches this run created or collected (`--submit`, `--wait`). */
  batches: Array<{ id: string; status: string }>;
  exit_code: number;
}

export interface ReportContext {
  input: string;
  out: string;
  runner: string;
  formats: string[];
  startedAt: Date;
  interrupted: boolean;
  stoppedBecause: string | undefined;
  pending: number;
  submitted?: number;
  batches?: Array<{ id: string; status: string }>;
}

/** Exit status: 0 all done, 1 something failed, 130 interrupted (as shells report Ctrl-C). */
export function exitCodeOf(failed: number, interrupted: boolean): number {
  if (interrupted) return 130;
  return failed > 0 ? 1 : 0;
}

export function buildReport(tally: BatchTally, context: ReportContext): BatchReport {
  const counts = tally.snapshot();
  const failed = tally.failures.length;
  return {
    input: context.input,
    out: context.out,
    runner: context.runner,
    formats: context.formats,
    started_at: context.startedAt.toISOString(),
    finished_at: new Date().toISOString(),
    wall_seconds: round(counts.elapsedSeconds, 2),
    interrupted: context.interrupted,
    stopped_because: context.stoppedBecause ?? null,
    documents: {
      total: counts.total,
      done: counts.done,
      done_earlier: counts.doneEarlier,
      duplicates: counts.duplicates,
      failed,
      abandoned: counts.abandoned,
      pending: context.pending + counts.abandoned,
      submitted: context.submitted ?? 0,
      ignored: tally.skipped.filter((input) => !input.failure).length,
    },
    pages: {
      read: counts.pagesRead,
      done: counts.pagesDone,
      per_second: round(counts.pagesRead / Math.max(counts.elapsedSeconds, 0.001), 2),
    },
    failures: {
      by_code: Object.fromEntries(tally.failuresByCode()),
      documents: tally.failures.map(({ key, code, status, message }) => ({ key, code, status, message })),
    },
    ignored: tally.skipped
      .filter((input) => !input.failure)
      .map(({ key, code, message }) => ({ key, code, message })),
    batches: context.batches ?? [],
    exit_code: exitCodeOf(failed, context.interrupted),
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} min ${Math.round(seconds % 60)} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The summary table printed at the end of a run. */
export function formatSummary(report: BatchReport): string {
  const { documents, pages } = report;
  const rows: Array<[string, string]> = [
    ["documents", `${documents.total}`],
    [
      "  done now",
      `${documents.done}${documents.duplicates ? ` (${documents.duplicates} copies of others)` : ""}`,
    ],
    ["  done earlier", `${documents.done_earlier}`],
    ["  failed", `${documents.failed}`],
  ];
  for (const [code, count] of Object.entries(report.failures.by_code)) rows.push([`    ${code}`, `${count}`]);
  if (documents.pending > 0) rows.push(["  not done (run again to go on)", `${documents.pending}`]);
  if (documents.submitted > 0) rows.push(["  submitted, on the server", `${documents.submitted}`]);
  if (documents.ignored > 0) rows.push(["ignored files (not documents)", `${documents.ignored}`]);
  rows.push(
    ["pages read", `${pages.read}`],
    ["pages/s", pages.per_second.toFixed(2)],
    ["wall time", formatDuration(report.wall_seconds)],
  );
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
  const failedKeys = report.failures.documents
    .slice(0, 10)
    .map((failure) => `  ${failure.key}: ${failure.code}`);
  if (failedKeys.length > 0) {
    lines.push("", "failed:", ...failedKeys);
    if (report.failures.documents.length > 10)
      lines.push(`  … ${report.failures.documents.length - 10} more in report.json`);
  }
  if (report.batches.length > 0) {
    lines.push("", "server batches:", ...report.batches.map((batch) => `  ${batch.id}: ${batch.status}`));
  }
  if (documents.submitted > 0) {
    lines.push("", "Run the same command with --wait (instead of --submit) to download the results.");
  }
  lines.push("", `report: ${report.out}/report.json`);
  return lines.join("\n");
}
