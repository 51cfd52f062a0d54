import { describe, expect, it } from "vitest";
import { decodeCtc } from "../../../gateway/engines/embedded/ctc-decode.ts";
import { recognitionClasses } from "../../../gateway/engines/embedded/ppocr-model.ts";

const CLASSES = recognitionClasses("A\nB\n");

/** One probability row per step: the named class gets `p`, the space `space`, the blank the rest. */
function rows(steps: Array<[string, number, number?]>): Float32Array {
  const data = new Float32Array(steps.length * CLASSES.length);
  steps.forEach(([text, p, space = 0], step) => {
    const index = text === "" ? 0 : CLASSES.indexOf(text);
    const row = step * CLASSES.length;
    data[row + index] = p;
    if (index !== CLASSES.length - 1) data[row + CLASSES.length - 1] = space;
    if (index !== 0) data[row] = 1 - p - space;
  });
  return data;
}

describe("recognitionClasses", () => {
  it("puts the blank first and the space last, around the dictionary", () => {
    expect(CLASSES).toEqual(["", "A", "B", " "]);
    expect(recognitionClasses("A\r\nB")).toEqual(["", "A", "B", " "]);
  });
});

describe("decodeCtc", () => {
  it("merges repeats, drops blanks, and keeps where each character sits", () => {
    const decoded = decodeCtc(
      rows([
        ["A", 0.9],
        ["A", 0.7],
        ["", 1],
        ["B", 0.8],
        ["", 1],
        ["B", 0.6],
      ]),
      6,
      CLASSES,
    );
    expect(decoded.map((c) => c.text)).toEqual(["A", "B", "B"]);
    expect(decoded[0]).toMatchObject({ first: 0, last: 1 });
    expect(decoded[0]?.confidence).toBeCloseTo(0.8);
    expect(decoded[2]).toMatchObject({ first: 5, last: 5 });
  });

  it("reads the last class as a space", () => {
    const decoded = decodeCtc(
      rows([
        ["A", 0.9],
        [" ", 0.9],
        ["B", 0.9],
      ]),
      3,
      CLASSES,
    );
    expect(decoded.map((c) => c.text).join("")).toBe("A B");
  });

  it("records how likely a space was in the gap before a character even where the blank won", () => {
    const decoded = decodeCtc(
      rows([
        ["A", 0.9],
        ["", 0.7, 0.3],
        ["", 0.9, 0.1],
        ["B", 0.9],
      ]),
      4,
      CLASSES,
    );
    expect(decoded.map((c) => c.text).join("")).toBe("AB");
    expect(decoded[0]?.spaceBefore).toBe(0);
    expect(decoded[1]?.spaceBefore).toBeCloseTo(0.3);
  });

  it("reads only the steps it is given", () => {
    expect(
      decodeCtc(
        rows([
          ["A", 0.9],
          ["B", 0.9],
        ]),
        1,
        CLASSES,
      ).map((c) => c.text),
    ).toEqual(["A"]);
  });
});
