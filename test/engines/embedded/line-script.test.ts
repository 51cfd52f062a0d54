import { describe, expect, it } from "vitest";
import type { DecodedCharacter } from "../../../gateway/engines/embedded/ctc-decode.ts";
import { decodeCtc } from "../../../gateway/engines/embedded/ctc-decode.ts";
import { cjkClasses, readsAsLatin } from "../../../gateway/engines/embedded/line-script.ts";
import { recognitionClasses } from "../../../gateway/engines/embedded/ppocr-model.ts";

const read = (text: string): DecodedCharacter[] =>
  Array.from(text, (character, index) => ({
    text: character,
    confidence: 0.9,
    first: index,
    last: index,
    spaceBefore: 0,
  }));

describe("readsAsLatin", () => {
  it("is true for a Latin line with a stray CJK character, false for CJK words, CJK lines and lines without any", () => {
    expect(readsAsLatin(read("Cashier 井： CASHIER"))).toBe(true);
    expect(readsAsLatin(read("如有不便，敬请原谅。"))).toBe(false);
    expect(readsAsLatin(read("牛肉面 BEEF NOODLE"))).toBe(false);
    expect(readsAsLatin(read("TOTAL 15.90"))).toBe(false);
  });
});

describe("cjkClasses", () => {
  it("marks Han, kana, Hangul, CJK punctuation and full-width forms, never the blank, Latin or the space", () => {
    const classes = recognitionClasses(["A", "#", "井", "：", "。", "カ", "한", "1"].join("\n"));
    expect(Array.from(cjkClasses(classes))).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
  });

  it("lets decodeCtc read a Latin page's '#' where the model's first choice was '井'", () => {
    const classes = recognitionClasses(["#", "井"].join("\n"));
    // One step: 井 0.6, # 0.3, blank 0.1.
    const step = Float32Array.from([0.1, 0.3, 0.6, 0]);
    expect(decodeCtc(step, 1, classes).map((c) => c.text)).toEqual(["井"]);
    expect(decodeCtc(step, 1, classes, cjkClasses(classes)).map((c) => c.text)).toEqual(["#"]);
  });
});
