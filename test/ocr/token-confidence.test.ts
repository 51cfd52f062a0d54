import { describe, expect, it } from "vitest";
import { pageConfidence } from "../../gateway/ocr/page-confidence.ts";
import { lineConfidences, spanConfidence } from "../../gateway/ocr/token-confidence.ts";
import type { TokenLogprobs } from "../../gateway/upstream/stream-chat-completion.ts";

/** One chunk per token, as vLLM streams greedy decoding; `logprobs[i]` belongs to `tokens[i]`. */
function chunksOf(tokens: string[], logprobs: number[]): TokenLogprobs[] {
  let at = 0;
  return tokens.map((token, index) => {
    const chunk = { start: at, end: at + token.length, logprobs: [logprobs[index] ?? 0] };
    at += token.length;
    return chunk;
  });
}

describe("spanConfidence", () => {
  it("is the geometric mean of the probabilities of the tokens that wrote the span", () => {
    const chunks = chunksOf(
      ["TO", "TAL", " 9", ".00"],
      [Math.log(0.9), Math.log(0.4), Math.log(1), Math.log(0.5)],
    );
    expect(spanConfidence(chunks, 0, 5)).toBeCloseTo(Math.sqrt(0.9 * 0.4), 3);
    expect(spanConfidence(chunks, 0, 10)).toBeCloseTo((0.9 * 0.4 * 0.5) ** 0.25, 3);
    expect(spanConfidence([], 0, 10)).toBeUndefined();
  });

  it("counts a chunk that wrote no text (a skipped special token) where it sits, and bounds -9999", () => {
    const chunks: TokenLogprobs[] = [
      { start: 0, end: 2, logprobs: [0] },
      { start: 2, end: 2, logprobs: [-9999] },
      { start: 2, end: 4, logprobs: [0] },
    ];
    expect(spanConfidence(chunks, 0, 2)).toBe(1);
    const withImpossible = spanConfidence(chunks, 0, 4) ?? 1;
    expect(withImpossible).toBeGreaterThan(0);
    expect(withImpossible).toBeLessThan(0.01);
  });
});

describe("lineConfidences", () => {
  const answer = "TOTAL 9.00\nCASH 10.00\nCHANGE 1.00";
  const tokens = ["TOTAL", " 9.00", "\n", "CASH", " 10", ".00", "\n", "CHANGE", " 1.00"];
  const logprobs = tokens.map((token) => (token === " 10" ? Math.log(0.2) : Math.log(0.99)));
  const chunks = chunksOf(tokens, logprobs);

  it("scores each line by its own tokens", () => {
    const [total, cash, change] = lineConfidences(
      answer,
      ["TOTAL 9.00", "CASH 10.00", "CHANGE 1.00"],
      chunks,
    );
    expect(total).toBeCloseTo(0.99, 3);
    expect(cash).toBeCloseTo((0.99 * 0.2 * 0.99) ** (1 / 3), 3);
    expect(change).toBeCloseTo(0.99, 3);
  });

  it("scores a line the parser rewrote by the answer between its neighbours", () => {
    const scores = lineConfidences(answer, ["TOTAL 9.00", "| CASH | 10.00 |", "CHANGE 1.00"], chunks);
    // "\nCASH 10.00\n": the line breaks around it count too.
    expect(scores[1]).toBeCloseTo((0.99 ** 4 * 0.2) ** (1 / 5), 3);
    expect(scores[0]).toBeCloseTo(0.99, 3);
  });
});

describe("pageConfidence", () => {
  it("scores spotting boxes by their text and the page by all its tokens", () => {
    const answer = "TOTAL(10,20),(300,40)CASH(10,50),(300,70)";
    const tokens = ["TOTAL", "(10,20),(300,40)", "CA", "SH", "(10,50),(300,70)"];
    const chunks = chunksOf(tokens, [0, 0, Math.log(0.3), Math.log(0.3), 0]);
    const box = { box: { x1: 0, y1: 0, x2: 1, y2: 1 }, polygon: [] };
    const scored = pageConfidence(
      {
        text: "TOTAL\nCASH",
        boxes: [
          { text: "TOTAL", ...box },
          { text: "CASH", ...box },
        ],
      },
      answer,
      chunks,
    );
    expect(scored.boxes?.map((line) => line.confidence)).toEqual([1, 0.3]);
    expect(scored.text_lines).toEqual([
      { text: "TOTAL", confidence: 1 },
      { text: "CASH", confidence: 0.3 },
    ]);
    expect(scored.confidence).toBeCloseTo(0.3 ** 0.4, 3);
  });
});
