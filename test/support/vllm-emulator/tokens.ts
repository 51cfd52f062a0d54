// Special tokens (HunyuanOCR placeholders) stay whole; CJK characters are one token each; words and digit runs
// carry one leading space and are cut into pieces of at most 4 characters; anything else is one token.
const cjk = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}";
const tokenPattern = new RegExp(
  `<｜hy_place▁holder▁no▁\\d+｜>|[${cjk}]| ?(?:(?![${cjk}])[\\p{L}\\p{N}])+|\\n|[^\\S\\n]+|[^\\s\\p{L}\\p{N}]`,
  "gu",
);

const maxPieceLength = 4;

/** Splits text into token pieces (1–4 characters, special tokens whole) that concatenate back to `text`. */
export function splitTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const match of text.matchAll(tokenPattern)) {
    const piece = match[0];
    if (piece.length <= maxPieceLength || piece.startsWith("<｜")) {
      tokens.push(piece);
      continue;
    }
    const chars = Array.from(piece);
    for (let i = 0; i < chars.length; i += maxPieceLength) {
      tokens.push(chars.slice(i, i + maxPieceLength).join(""));
    }
  }
  return tokens;
}

/** Prompt tokens the emulator charges for text: one per 3 characters, rounded up. */
export function countTextTokens(text: string): number {
  return Math.ceil(text.length / 3);
}
