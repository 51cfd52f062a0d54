import { describe, expect, it } from "vitest";
import type { DecodedCharacter } from "../../../gateway/engines/embedded/ctc-decode.ts";
import { SPACE_PROBABILITY, textWithSpaces } from "../../../gateway/engines/embedded/word-spacing.ts";

/** Characters at the given centre steps; `*` before a character marks a likely space in the gap before it. */
function read(spec: string, steps: number[]): DecodedCharacter[] {
  const characters: DecodedCharacter[] = [];
  let likely = false;
  for (const text of spec) {
    if (text === "*") {
      likely = true;
      continue;
    }
    const step = steps[characters.length] as number;
    characters.push({ text, confidence: 0.9, first: step, last: step, spaceBefore: likely ? 0.4 : 0 });
    likely = false;
  }
  return characters;
}

const pitch3 = (count: number, start = 1) => Array.from({ length: count }, (_, i) => start + 3 * i);

describe("textWithSpaces", () => {
  it("keeps the spaces the model read and collapses runs of them", () => {
    expect(textWithSpaces(read("AB  C ", [1, 4, 7, 8, 11, 14]))).toBe("AB C");
  });

  it("breaks words where the model ranked the space second", () => {
    expect(SPACE_PROBABILITY).toBeGreaterThan(0);
    expect(textWithSpaces(read("SDN*BHD", pitch3(6)))).toBe("SDN BHD");
  });

  it("breaks words at a gap of two character pitches on a fixed-pitch line", () => {
    const steps = [...pitch3(4), ...pitch3(4, 16)];
    expect(textWithSpaces(read("TANWOONY", steps))).toBe("TANW OONY");
  });

  it("adds nothing inside evenly spaced words", () => {
    expect(textWithSpaces(read("RECEIPT", pitch3(7)))).toBe("RECEIPT");
    expect(textWithSpaces([])).toBe("");
  });

  it("judges no pitch on a short line", () => {
    expect(textWithSpaces(read("AB", [1, 9]))).toBe("AB");
  });
});
