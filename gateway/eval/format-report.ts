import type { EvalReport } from "./run-eval.ts";

const percent = (value: number | undefined) => (value === undefined ? "-" : `${(value * 100).toFixed(1)} %`);

/** The report as a plain-text table for a terminal. */
export function formatReport(report: EvalReport): string {
  const lines = [
    `dataset ${report.dataset} · task ${report.task} · backend ${report.backend}`,
    `${report.documents} documents (${report.failed} failed) in ${report.seconds} s · ${report.pagesPerSecond} pages/s`,
    "",
  ];
  if (report.task === "text") {
    lines.push("id      CER       CER (any order)  WER       ms");
    for (const score of report.perDocument) {
      const cells = [score.cer, score.cerAnyOrder, score.wer].map((value, index) =>
        percent(value).padStart(index === 1 ? 15 : 8),
      );
      lines.push(
        `${score.id.padEnd(7)} ${cells.join("  ")}  ${String(score.ms).padStart(6)}${score.error ? `  ${score.error}` : ""}`,
      );
    }
    lines.push(
      "",
      `corpus  CER ${percent(report.cer)} (any order ${percent(report.cerAnyOrder)})  WER ${percent(report.wer)}`,
      "CER and WER follow the reference's order of boxes (top edge, then left); CER (any order) finds each reference line",
      "anywhere in the output, so reading a printed line left to right is not charged (gateway/eval/order-free-cer.ts).",
    );
  } else {
    lines.push("key          accuracy   correct/total");
    for (const [key, tally] of Object.entries(report.fieldAccuracy ?? {})) {
      lines.push(
        `${key.padEnd(12)} ${percent(tally.accuracy).padStart(8)}   ${tally.correct}/${tally.total}`,
      );
    }
  }
  return lines.join("\n");
}

/** A one-line progress bar for stderr. */
export function progressBar(done: number, total: number, label: string, width = 30): string {
  const filled = Math.round((done / Math.max(total, 1)) * width);
  return `\r[${"#".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total} ${label}`;
}
