/**
 * Character errors that do not depend on reading order, after the flexible character accuracy of Clausner,
 * Pletschacher and Antonacopoulos (Pattern Recognition Letters, 2020).
 *
 * Why: the CER recipe compares one string with another, so the reference's order of boxes is part of the truth.
 * SROIE's boxes are ordered by the top edge of each box, and two boxes on one printed line (`Tel: …` and
 * `Fax: …`) come out in whichever order a pixel of skew or annotation jitter gives them. An engine that reads
 * the line left to right then pays for both boxes. Here each reference line (a box's transcript) is looked for
 * anywhere in the output instead, and what is found is removed so it cannot be matched twice.
 *
 * Lines are compared after `normalizeForCer` (upper case, whitespace removed), as the recipe does. Errors are the
 * edit distance of every match, plus every reference character never found (deletions), plus every output
 * character left over (insertions); divided by the reference length, this is a CER that equals the recipe's
 * when both sides are in the same order. (There is no word version: reference lines are a few words long, so
 * one misread word would fail a whole-line match and cost a deletion and an insertion where the recipe counts
 * one substitution.)
 */
import { type ErrorCount, levenshtein, normalizeForCer } from "./text-metrics.ts";

/** A reference line is matched whole when at most this share of its characters is wrong. */
const MAX_WHOLE_MATCH_ERRORS = 0.5;
/**
 * Otherwise its best local alignment is taken when it scores at least this much (+1 a shared character, -1 a
 * difference); the unmatched ends go back to be looked for elsewhere (a reference line the output split in two).
 * Three characters in a row, so a lone shared letter is not taken for a piece of the line.
 */
const MIN_LOCAL_SCORE = 3;

type Piece = readonly string[];

interface Span {
  /** Span of the output piece matched. */
  start: number;
  end: number;
  /** Span of the reference line matched (the whole line for a whole match). */
  referenceStart: number;
  referenceEnd: number;
}
/** A whole match knows its edit distance; a local alignment knows its score (its cost is counted if taken). */
type WholeSpan = Span & { cost: number };
type LocalSpan = Span & { score: number };
/** `piece`: which output piece. */
type WholeMatch = WholeSpan & { piece: number };
type LocalMatch = LocalSpan & { piece: number };

function pieces(text: string): Piece[] {
  return text
    .split(/\r?\n/)
    .map(normalizeForCer)
    .filter((piece) => piece.length > 0);
}

/** The substring of `output` closest to the whole of `line` (edit distance with free ends on `output`). */
function wholeMatch(line: Piece, output: Piece): WholeSpan {
  const n = output.length;
  let cost = new Uint32Array(n + 1);
  let start = Uint32Array.from({ length: n + 1 }, (_, j) => j);
  let nextCost = new Uint32Array(n + 1);
  let nextStart = new Uint32Array(n + 1);
  for (let i = 1; i <= line.length; i++) {
    nextCost[0] = i;
    nextStart[0] = 0;
    for (let j = 1; j <= n; j++) {
      const substitute = (cost[j - 1] as number) + (line[i - 1] === output[j - 1] ? 0 : 1);
      const skipLine = (cost[j] as number) + 1;
      const skipOutput = (nextCost[j - 1] as number) + 1;
      if (substitute <= skipLine && substitute <= skipOutput) {
        nextCost[j] = substitute;
        nextStart[j] = start[j - 1] as number;
      } else if (skipLine <= skipOutput) {
        nextCost[j] = skipLine;
        nextStart[j] = start[j] as number;
      } else {
        nextCost[j] = skipOutput;
        nextStart[j] = nextStart[j - 1] as number;
      }
    }
    [cost, nextCost] = [nextCost, cost];
    [start, nextStart] = [nextStart, start];
  }
  let end = 0;
  for (let j = 1; j <= n; j++) if ((cost[j] as number) < (cost[end] as number)) end = j;
  return {
    start: start[end] as number,
    end,
    referenceStart: 0,
    referenceEnd: line.length,
    cost: cost[end] as number,
  };
}

/** The best-scoring local alignment (Smith-Waterman) of `line` and `output`, with the spans it covers. */
function localMatch(line: Piece, output: Piece): LocalSpan {
  const n = output.length;
  let score = new Int32Array(n + 1);
  let origin = new Int32Array(n + 1);
  let nextScore = new Int32Array(n + 1);
  let nextOrigin = new Int32Array(n + 1);
  const best = { score: 0, referenceStart: 0, referenceEnd: 0, start: 0, end: 0 };
  // An origin packs where the alignment began: reference index × (n + 1) + output index.
  for (let i = 1; i <= line.length; i++) {
    nextScore[0] = 0;
    nextOrigin[0] = i * (n + 1);
    for (let j = 1; j <= n; j++) {
      const diagonal = (score[j - 1] as number) + (line[i - 1] === output[j - 1] ? 1 : -1);
      const up = (score[j] as number) - 1;
      const left = (nextScore[j - 1] as number) - 1;
      let value = 0;
      let from = (i - 1) * (n + 1) + (j - 1);
      if (diagonal > value) {
        value = diagonal;
        from = (score[j - 1] as number) > 0 ? (origin[j - 1] as number) : from;
      }
      if (up > value) {
        value = up;
        from = origin[j] as number;
      }
      if (left > value) {
        value = left;
        from = nextOrigin[j - 1] as number;
      }
      nextScore[j] = value;
      nextOrigin[j] = from;
      if (value > best.score) {
        best.score = value;
        best.referenceStart = Math.floor(from / (n + 1));
        best.start = from % (n + 1);
        best.referenceEnd = i;
        best.end = j;
      }
    }
    [score, nextScore] = [nextScore, score];
    [origin, nextOrigin] = [nextOrigin, origin];
  }
  return best;
}

type Alignments = { whole: WholeSpan; local: LocalSpan };

/** The best whole match and the best local alignment of `line` over every output piece (cached per piece). */
function candidates(line: Piece, outputs: readonly Piece[], seen: Map<Piece, Alignments>) {
  let whole: WholeMatch | undefined;
  let local: LocalMatch | undefined;
  outputs.forEach((output, piece) => {
    let found = seen.get(output);
    if (found === undefined) {
      found = { whole: wholeMatch(line, output), local: localMatch(line, output) };
      seen.set(output, found);
    }
    if (whole === undefined || found.whole.cost < whole.cost) whole = { ...found.whole, piece };
    if (local === undefined || found.local.score > local.score) local = { ...found.local, piece };
  });
  return whole === undefined || local === undefined ? undefined : { whole, local };
}

/**
 * True when a part of `line` matches so well that the rest is better looked for elsewhere: the whole match
 * would pay at least as much for that rest as deletions (a line the output split in two).
 */
function splitBetter(line: Piece, found: Alignments): boolean {
  const partial = found.local.referenceEnd - found.local.referenceStart < line.length;
  return (
    partial && found.local.score >= MIN_LOCAL_SCORE && found.whole.cost >= line.length - found.local.score
  );
}

/** Order-free character errors of `hypothesis` against `reference`, both split into lines (see above). */
export function orderFreeCharacterErrors(reference: string, hypothesis: string): ErrorCount {
  const pending = pieces(reference);
  const referenceLength = pending.reduce((sum, piece) => sum + piece.length, 0);
  const outputs = pieces(hypothesis);
  const seen = new Map<Piece, Map<Piece, Alignments>>();
  let errors = 0;
  while (pending.length > 0) {
    // Whole matches first, the one that explains most characters (length less twice its errors, as an alignment
    // score) before the rest, so a short line ("1", "6") cannot take characters a long line needs; then the best
    // partial match, whose unmatched ends are looked for again.
    let whole: { line: number; match: WholeMatch; gain: number } | undefined;
    let local: { line: number; match: LocalMatch } | undefined;
    pending.forEach((line, index) => {
      let lineSeen = seen.get(line);
      if (lineSeen === undefined) {
        lineSeen = new Map();
        seen.set(line, lineSeen);
      }
      const found = candidates(line, outputs, lineSeen);
      if (found === undefined) return;
      const gain = line.length - 2 * found.whole.cost;
      if (
        found.whole.cost <= line.length * MAX_WHOLE_MATCH_ERRORS &&
        !splitBetter(line, found) &&
        (whole === undefined || gain > whole.gain)
      )
        whole = { line: index, match: found.whole, gain };
      if (found.local.score >= MIN_LOCAL_SCORE && found.local.score > (local?.match.score ?? 0))
        local = { line: index, match: found.local };
    });
    const chosen = whole ?? local;
    if (chosen === undefined) break;
    const line = pending[chosen.line] as Piece;
    const { match } = chosen;
    const output = outputs[match.piece] as Piece;
    errors +=
      whole?.match.cost ??
      levenshtein(line.slice(match.referenceStart, match.referenceEnd), output.slice(match.start, match.end));
    pending.splice(chosen.line, 1);
    for (const end of [line.slice(0, match.referenceStart), line.slice(match.referenceEnd)])
      if (end.length > 0) pending.push(end);
    outputs.splice(
      match.piece,
      1,
      ...[output.slice(0, match.start), output.slice(match.end)].filter((p) => p.length > 0),
    );
  }
  const unmatched = (list: readonly Piece[]) => list.reduce((sum, piece) => sum + piece.length, 0);
  return { errors: errors + unmatched(pending) + unmatched(outputs), referenceLength };
}
