import type { DecodedCharacter } from "./ctc-decode.ts";

/**
 * A gap where the space class reached this probability is a word break even when the blank won. The Chinese+Latin
 * recogniser rarely lets the space win between Latin words on receipt fonts, but it ranks it second there; inside
 * words it stays near zero.
 */
export const SPACE_PROBABILITY = 0.05;
/**
 * A gap this many times the line's typical character pitch is a word break whatever the model says (on the
 * fixed-pitch fonts of receipts a space is exactly one more pitch).
 */
const SPACE_PITCH_FACTOR = 1.8;
/** Lines with fewer characters have no reliable pitch. */
const MIN_CHARACTERS_FOR_PITCH = 6;

const centre = (character: DecodedCharacter) => (character.first + character.last) / 2;

function typicalPitch(characters: readonly DecodedCharacter[]): number | undefined {
  const pitches: number[] = [];
  for (let i = 1; i < characters.length; i++) {
    const previous = characters[i - 1] as DecodedCharacter;
    const current = characters[i] as DecodedCharacter;
    if (previous.text !== " " && current.text !== " ") pitches.push(centre(current) - centre(previous));
  }
  if (pitches.length < MIN_CHARACTERS_FOR_PITCH - 1) return undefined;
  pitches.sort((a, b) => a - b);
  return pitches[pitches.length >> 1];
}

/**
 * The line's text with a space wherever the recogniser read one, or saw a likely one (see `SPACE_PROBABILITY`),
 * or left a gap much wider than its pitch; runs of whitespace collapse to one space, ends are trimmed.
 */
export function textWithSpaces(characters: readonly DecodedCharacter[]): string {
  const pitch = typicalPitch(characters);
  let text = "";
  for (let i = 0; i < characters.length; i++) {
    const current = characters[i] as DecodedCharacter;
    const previous = characters[i - 1];
    if (
      previous !== undefined &&
      (current.spaceBefore >= SPACE_PROBABILITY ||
        (pitch !== undefined && centre(current) - centre(previous) >= SPACE_PITCH_FACTOR * pitch))
    ) {
      text += " ";
    }
    text += current.text;
  }
  return text.replace(/\s+/gu, " ").trim();
}
