import type { TokenLogprobs } from "../upstream/stream-chat-completion.ts";
import type { PageResult, TextLine } from "./ocr-types.ts";
import { lineConfidences, spanConfidence } from "./token-confidence.ts";

type ScoredContent = Pick<PageResult, "text_lines" | "confidence" | "boxes">;

/**
 * A model-read page's confidence from the token log-probabilities of its `answer`: per line of its text (per
 * box for spotting, whose boxes get it too) and for the page (the geometric mean over all its tokens).
 */
export function pageConfidence(
  content: Pick<PageResult, "text" | "boxes">,
  answer: string,
  chunks: readonly TokenLogprobs[],
): ScoredContent {
  const lines = content.boxes
    ? content.boxes.map((box) => box.text)
    : content.text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "");
  const scores = lineConfidences(answer, lines, chunks);
  const textLines: TextLine[] = [];
  lines.forEach((text, index) => {
    const confidence = scores[index];
    if (confidence !== undefined) textLines.push({ text, confidence });
  });
  const confidence = spanConfidence(chunks, 0, answer.length);
  return {
    text_lines: textLines,
    ...(confidence !== undefined ? { confidence } : {}),
    ...(content.boxes
      ? {
          boxes: content.boxes.map((box, index) => {
            const score = scores[index];
            return score === undefined ? box : { ...box, confidence: score };
          }),
        }
      : {}),
  };
}
