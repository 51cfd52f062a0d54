import { describe, expect, it } from "vitest";
import { parseFieldsOutput } from "../../../gateway/tasks/parsers/fields.ts";

const value = { 店名: "TAN WOON YANN", total: "9.00" };

describe("parseFieldsOutput", () => {
  it("reads raw JSON", () => {
    expect(parseFieldsOutput('{"店名": "TAN WOON YANN", "total": "9.00"}')).toEqual({
      ok: true,
      value,
      warnings: [],
    });
  });

  it("reads ```json fenced JSON", () => {
    const result = parseFieldsOutput('```json\n{"店名": "TAN WOON YANN", "total": "9.00"}\n```');
    expect(result).toEqual({ ok: true, value, warnings: ["the JSON was inside a code fence"] });
  });

  it("reads the first balanced object inside prose, braces in strings included", () => {
    const result = parseFieldsOutput(
      'Here it is: {"店名": "TAN WOON YANN", "total": "9.00", "note": "a } b"} Hope it helps {x}',
    );
    expect(result).toMatchObject({ ok: true, value: { ...value, note: "a } b" } });
  });

  it("reads a Python-style dict", () => {
    expect(
      parseFieldsOutput("{'店名': 'TAN WOON YANN', 'total': '9.00', 'paid': True, 'tax': None,}"),
    ).toMatchObject({
      ok: true,
      value: { ...value, paid: true, tax: null },
    });
    expect(parseFieldsOutput(`{'name': "O'Brien"}`)).toMatchObject({ ok: true, value: { name: "O'Brien" } });
  });

  it("returns a typed failure with the reason", () => {
    expect(parseFieldsOutput("")).toEqual({ ok: false, error: "the model returned an empty answer" });
    expect(parseFieldsOutput("店名: TAN")).toMatchObject({
      ok: false,
      error: expect.stringContaining("no JSON object"),
    });
    expect(parseFieldsOutput('{"total": "9.00", ')).toMatchObject({
      ok: false,
      error: expect.stringContaining("no JSON object"),
    });
    expect(parseFieldsOutput('{"total": 9.00 "x"}')).toMatchObject({
      ok: false,
      error: expect.stringContaining("invalid JSON"),
    });
    expect(parseFieldsOutput('["a"]')).toMatchObject({
      ok: false,
      error: expect.stringContaining("not an object"),
    });
  });
});
