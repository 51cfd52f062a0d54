import type { DecodedCharacter } from "./ctc-decode.ts";

const CJK_LETTER = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_PUNCTUATION = /[\u3000-\u303f\uff00-\uffef]/u;

/**
 * Han, kana, Hangul, CJK punctuation and full-width forms: what the Chinese+Latin recogniser writes in CJK text,
 * and what it also writes for Latin-page glyphs it knows badly (`井` for `#`, `一` for `-`, `：` for `:`).
 */
export const isCjk = (text: string) => CJK_LETTER.test(text) || CJK_PUNCTUATION.test(text);

/** 1 for every class whose text is CJK (see `isCjk`), for `decodeCtc`'s `excluded`. */
export function cjkClasses(classes: readonly string[]): Uint8Array {
  return Uint8Array.from(classes, (text) => (isCjk(text) ? 1 : 0));
}

/**
 * A line is read as Latin-script text, and decoded again without the CJK classes, when its CJK characters are
 * fewer than the others and none of its CJK letters stands next to another: a lone `井` between Latin words is a
 * misread `#`, while `牛肉面 BEEF` is a word of Chinese and keeps its reading, as does any mostly CJK line.
 */
export function readsAsLatin(characters: readonly DecodedCharacter[]): boolean {
  let cjk = 0;
  let other = 0;
  let previousWasLetter = false;
  for (const character of characters) {
    const letter = CJK_LETTER.test(character.text);
    if (letter && previousWasLetter) return false;
    previousWasLetter = letter;
    if (character.text === " ") continue;
    if (letter || CJK_PUNCTUATION.test(character.text)) cjk++;
    else other++;
  }
  return cjk > 0 && cjk < other;
}
