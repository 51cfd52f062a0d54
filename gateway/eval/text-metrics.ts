/**
 * Character and word error rates for OCR output.
 *
 * Normalisation (`normalizeForCer`): Unicode NFKC, upper-cased, every whitespace character removed. Layout
 * (line breaks, column gaps) then does not count, only the characters and their order do. This is the
 * recipe the SROIE comparisons in `docs` and the benchmark use. `normalizeForWer` keeps word boundaries:
 * NFKC, upper-cased, split on runs of whitespace.
 */

/** Edit distance (insertions, deletions, substitutions cost 1) between two sequences, O(min(m,n)) memory. */
export function levenshtein<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  if (short.length === 0) return long.length;
  let previous = new Uint32Array(short.length + 1);
  let current = new Uint32Array(short.length + 1);
  for (let j = 0; j <= short.length; j++) previous[j] = j;
  for (let i = 1; i <= long.length; i++) {
    current[0] = i;
    const item = long[i - 1];
    for (let j = 1; j <= short.length; j++) {
      const substitution = (previous[j - 1] as number) + (item === short[j - 1] ? 0 : 1);
      const deletion = (previous[j] as number) + 1;
      const insertion = (current[j - 1] as number) + 1;
      current[j] = Math.min(substitution, deletion, insertion);
    }
    [previous, current] = [current, previous];
  }
  return previous[short.length] as number;
}

/** Upper-cased NFKC text without any whitespace, as an array of code points. */
export function normalizeForCer(text: string): string[] {
  return Array.from(text.normalize("NFKC").toUpperCase().replace(/\s+/gu, ""));
}

/** Upper-cased NFKC words (split on whitespace runs). */
export function normalizeForWer(text: string): string[] {
  const trimmed = text.normalize("NFKC").toUpperCase().trim();
  return trimmed === "" ? [] : trimmed.split(/\s+/u);
}

/** Errors and reference length of one comparison; sum these over a corpus, then divide. */
export interface ErrorCount {
  errors: number;
  referenceLength: number;
}

/** Character edit count of `hypothesis` against `reference` after `normalizeForCer`. */
export function characterErrors(reference: string, hypothesis: string): ErrorCount {
  const truth = normalizeForCer(reference);
  return { errors: levenshtein(truth, normalizeForCer(hypothesis)), referenceLength: truth.length };
}

/** Word edit count of `hypothesis` against `reference` after `normalizeForWer`. */
export function wordErrors(reference: string, hypothesis: string): ErrorCount {
  const truth = normalizeForWer(reference);
  return { errors: levenshtein(truth, normalizeForWer(hypothesis)), referenceLength: truth.length };
}

/**
 * Corpus error rate: total edits / total reference length (not a mean of per-page rates, so long pages weigh
 * more). An empty reference gives 0 when there are no errors and 1 otherwise.
 */
export function errorRate(counts: Iterable<ErrorCount>): number {
  let errors = 0;
  let referenceLength = 0;
  for (const count of counts) {
    errors += count.errors;
    referenceLength += count.referenceLength;
  }
  if (referenceLength === 0) return errors === 0 ? 0 : 1;
  return errors / referenceLength;
}

/** Character error rate of one page (see `normalizeForCer`). */
export function characterErrorRate(reference: string, hypothesis: string): number {
  return errorRate([characterErrors(reference, hypothesis)]);
}

/** Word error rate of one page (see `normalizeForWer`). */
export function wordErrorRate(reference: string, hypothesis: string): number {
  return errorRate([wordErrors(reference, hypothesis)]);
}
