import type { TokenLogprobs } from "../upstream/stream-chat-completion.ts";

/**
 * vLLM reports an impossible token as -9999 (its stand-in for -inf): counted as this, one such token still
 * marks its line as unsure without zeroing the geometric mean of a long page.
 */
const MIN_LOGPROB = -20;

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/**
 * The geometric mean of the probabilities of the tokens that wrote `[start, end)` of the answer (a chunk that
 * wrote no text, e.g. a skipped special token, counts where it sits), or undefined when no token did.
 */
export function spanConfidence(
  chunks: readonly TokenLogprobs[],
  start: number,
  end: number,
): number | undefined {
  let sum = 0;
  let count = 0;
  for (const chunk of chunks) {
    const touches =
      chunk.end > chunk.start
        ? chunk.start < end && chunk.end > start
        : chunk.start >= start && chunk.start < end;
    if (!touches) continue;
    for (const logprob of chunk.logprobs) {
      if (!Number.isFinite(logprob) && logprob !== Number.NEGATIVE_INFINITY) continue;
      sum += Math.min(0, Math.max(MIN_LOGPROB, logprob));
      count++;
    }
  }
  return count === 0 ? undefined : round(Math.exp(sum / count));
}

/**
 * The confidence of each of `lines` (what the page answers, in order) from the token log-probabilities of the
 * `answer` they were parsed from. Each line is found in the answer after the previous one and scored by the
 * tokens that wrote it; a line the parser rewrote (a table turned into Markdown, JSON re-indented) is scored by
 * the part of the answer between its neighbours. Undefined where no token wrote anything.
 */
export function lineConfidences(
  answer: string,
  lines: readonly string[],
  chunks: readonly TokenLogprobs[],
): Array<number | undefined> {
  const spans: Array<{ start: number; end: number } | undefined> = [];
  let cursor = 0;
  for (const line of lines) {
    const at = line === "" ? -1 : answer.indexOf(line, cursor);
    if (at < 0) {
      spans.push(undefined);
      continue;
    }
    spans.push({ start: at, end: at + line.length });
    cursor = at + line.length;
  }
  return lines.map((_, index) => {
    let span = spans[index];
    if (span === undefined) {
      const before = spans.slice(0, index).findLast((found) => found !== undefined);
      const after = spans.slice(index + 1).find((found) => found !== undefined);
      span = { start: before?.end ?? 0, end: after?.start ?? answer.length };
    }
    return spanConfidence(chunks, span.start, Math.max(span.end, span.start + 1));
  });
}
