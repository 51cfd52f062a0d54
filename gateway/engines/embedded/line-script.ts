import type { DecodedCharacter } from "./ctc-decode.ts";

/**
 * Han, kana, Hangul, CJK punctuation and full-width forms: what the Chinese+Latin recogniser writes in CJK text,
 * and what it also writes for Latin-page glyphs it knows badly (`井` for `#`, `水` for `*`, `：` for `:`).
 */
const CJK =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\u3000-\u303f\uff00-\uffef]/u;

export const isCjk = (text: string) => CJK.test(text);

/** 1 for every class whose text is CJK (see `isCjk`), for `decodeCtc`'s `excluded`. */
export function cjkClasses(classes: readonly string[]): Uint8Array {
  return Uint8Array.from(classes, (text) => (isCjk(text) ? 1 : 0));
}

/**
 * A line is read as Latin-script text when fewer than half of its characters are CJK: there, a CJK character is
 * a misread Latin glyph rather than a word, so the line is decoded again without the CJK classes. Lines that are
 * mostly CJK keep their reading, so Chinese and Japanese text is untouched.
 */
export function readsAsLatin(characters: readonly DecodedCharacter[]): boolean {
  let cjk = 0;
  let other = 0;
  for (const character of characters) {
    if (character.text === " ") continue;
    if (isCjk(character.text)) cjk++;
    else other++;
  }
  return cjk > 0 && cjk < other;
}
