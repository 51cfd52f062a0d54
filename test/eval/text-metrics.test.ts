import { describe, expect, it } from "vitest";
import {
  characterErrorRate,
  characterErrors,
  errorRate,
  levenshtein,
  normalizeForCer,
  wordErrorRate,
} from "../../gateway/eval/text-metrics.ts";

describe("levenshtein", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(levenshtein("kitten", "sitting")).toBe(3);
    expect(levenshtein("", "abc")).toBe(3);
    expect(levenshtein("abc", "")).toBe(3);
    expect(levenshtein("same", "same")).toBe(0);
    expect(levenshtein(["TOTAL", "12.00"], ["TOTAL", "12.80"])).toBe(1);
  });

  it("is symmetric", () => {
    expect(levenshtein("flaw", "lawn")).toBe(levenshtein("lawn", "flaw"));
  });
});

describe("character error rate", () => {
  it("ignores case and all whitespace, including line breaks", () => {
    expect(normalizeForCer("Total :\n 12.00\t RM")).toEqual(Array.from("TOTAL:12.00RM"));
    expect(characterErrorRate("TOTAL 12.00\nCASH", "total12.00 cash")).toBe(0);
  });

  it("counts code points, not UTF-16 units", () => {
    expect(characterErrorRate("文字", "文学")).toBe(0.5);
  });

  it("folds compatibility forms (full-width digits) with NFKC", () => {
    expect(characterErrorRate("RM 12", "ＲＭ１２")).toBe(0);
  });

  it("sums edits over a corpus instead of averaging page rates", () => {
    const counts = [characterErrors("ABCDEFGHIJ", "ABCDEFGHIX"), characterErrors("AB", "XY")];
    expect(errorRate(counts)).toBeCloseTo(3 / 12);
  });

  it("rates an empty reference as 0 when the hypothesis is empty too, else 1", () => {
    expect(errorRate([characterErrors("", " ")])).toBe(0);
    expect(errorRate([characterErrors("", "X")])).toBe(1);
  });
});

describe("word error rate", () => {
  it("compares whitespace-separated upper-cased words", () => {
    expect(wordErrorRate("Total cash 12.00", "TOTAL CASH 12.80")).toBeCloseTo(1 / 3);
    expect(wordErrorRate("a  b\nc", "A B C")).toBe(0);
  });

  it("counts the lost spaces that CER, blind to whitespace, does not see", () => {
    expect(characterErrorRate("TAN WOON YANN", "tanwoonyann")).toBe(0);
    expect(wordErrorRate("TAN WOON YANN", "tanwoonyann")).toBe(1);
    expect(wordErrorRate("SDN BHD", "SDNBHD")).toBe(1);
  });
});
