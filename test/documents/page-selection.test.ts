import { describe, expect, it } from "vitest";
import { parsePageSelection } from "../../gateway/documents/page-selection.ts";

describe("parsePageSelection", () => {
  it("selects every page when nothing is asked for", () => {
    expect(parsePageSelection(undefined, 4)).toEqual([0, 1, 2, 3]);
  });

  it("accepts Mistral's 0-based index arrays, sorted and de-duplicated", () => {
    expect(parsePageSelection([3, 0, 3, 1], 5)).toEqual([0, 1, 3]);
  });

  it("accepts 0-based lists and ranges in a string", () => {
    expect(parsePageSelection("0,2-4", 6)).toEqual([0, 2, 3, 4]);
    expect(parsePageSelection(" 4 , 1 - 2, 2 ", 6)).toEqual([1, 2, 4]);
    expect(parsePageSelection("3-", 6)).toEqual([3, 4, 5]);
    expect(parsePageSelection("5", 6)).toEqual([5]);
  });

  it("names the valid range when a page does not exist", () => {
    for (const spec of ["0,7", "2-9", [6]]) {
      expect(() => parsePageSelection(spec, 6)).toThrow(
        expect.objectContaining({ status: 400, code: "page_out_of_range", param: "pages" }),
      );
    }
    expect(() => parsePageSelection([6], 6)).toThrow("valid indexes 0–5");
  });

  it("explains malformed selections", () => {
    for (const spec of ["", "1,,2", "a-b", "-2", "4-2", "1.5", [], [-1], [1.5]]) {
      expect(() => parsePageSelection(spec, 6), JSON.stringify(spec)).toThrow(
        expect.objectContaining({ status: 400, code: "invalid_page_selection" }),
      );
    }
  });

  it("refuses selections above the caller's page limit", () => {
    expect(parsePageSelection("0-2", 100, { maxPages: 3 })).toEqual([0, 1, 2]);
    expect(() => parsePageSelection(undefined, 100, { maxPages: 3 })).toThrow(
      expect.objectContaining({ status: 413, code: "too_many_pages" }),
    );
  });
});
