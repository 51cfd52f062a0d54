import cliProgress from "cli-progress";
import type { BatchCounts } from "./batch-tally.ts";

/** Shows a run's progress; `update` may be called on every document, the display throttles itself. */
export interface ProgressDisplay {
  start(counts: BatchCounts): void;
  update(counts: BatchCounts): void;
  /** Prints a one-off message (e.g. "stopping…") without breaking the bar. */
  note(message: string): void;
  stop(counts: BatchCounts): void;
}

export type ProgressMode = "bar" | "plain" | "quiet";

function pagesPerSecond(counts: BatchCounts): string {
  return (counts.pagesRead / Math.max(counts.elapsedSeconds, 0.001)).toFixed(1);
}

function etaSeconds(counts: BatchCounts): number | undefined {
  const remaining = counts.total - counts.finished;
  if (counts.finished === 0 || counts.elapsedSeconds < 1) return undefined;
  return Math.round((remaining * counts.elapsedSeconds) / counts.finished);
}

/** A live bar (cli-progress) on a terminal: documents, pages, pages/s, ETA and failures. */
function barDisplay(stream: NodeJS.WriteStream): ProgressDisplay {
  const bars = new cliProgress.MultiBar(
    {
      stream,
      format:
        "{bar} {value}/{total} documents | {pages} pages | {rate} pages/s | {failed} failed | ETA {eta_formatted}",
      // Fits 80 columns for archives up to a few thousand documents; cli-progress cuts what does not fit.
      barsize: 16,
      hideCursor: true,
      fps: 5,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  const payload = (counts: BatchCounts) => ({
    pages: counts.pagesDone,
    rate: pagesPerSecond(counts),
    failed: counts.failed,
  });
  return {
    start: (counts) => {
      bar = bars.create(counts.total, counts.finished, payload(counts));
    },
    update: (counts) => bar?.update(counts.finished, payload(counts)),
    note: (message) => bars.log(`${message}\n`),
    stop: (counts) => {
      bar?.update(counts.finished, payload(counts));
      bars.stop();
    },
  };
}

/** One plain line every `intervalMs` (CI logs, `| tee`): no control characters at all. */
function plainDisplay(stream: NodeJS.WritableStream, intervalMs: number): ProgressDisplay {
  let latest: BatchCounts | undefined;
  let timer: NodeJS.Timeout | undefined;
  const line = (counts: BatchCounts) => {
    const eta = etaSeconds(counts);
    stream.write(
      `[batch] ${counts.finished}/${counts.total} documents, ${counts.pagesDone} pages, ` +
        `${pagesPerSecond(counts)} pages/s, ${counts.failed} failed` +
        `${eta !== undefined ? `, ETA ${eta} s` : ""}\n`,
    );
  };
  return {
    start(counts) {
      latest = counts;
      timer = setInterval(() => latest && line(latest), intervalMs);
      timer.unref();
    },
    update(counts) {
      latest = counts;
    },
    note: (message) => stream.write(`${message}\n`),
    stop(counts) {
      clearInterval(timer);
      line(counts);
    },
  };
}

const quietDisplay: ProgressDisplay = { start() {}, update() {}, note() {}, stop() {} };

/** The display for the mode; `bar` needs a terminal, so callers pick `plain` when `stream.isTTY` is false. */
export function createProgressDisplay(
  mode: ProgressMode,
  stream: NodeJS.WriteStream,
  intervalMs: number,
): ProgressDisplay {
  if (mode === "quiet") return quietDisplay;
  return mode === "bar" ? barDisplay(stream) : plainDisplay(stream, intervalMs);
}
