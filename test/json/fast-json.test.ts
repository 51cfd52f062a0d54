import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  JsonTooDeepError,
  MAX_JSON_DEPTH,
  parseJsonBytes,
  stringifyJsonToBuffer,
} from "../../gateway/json/fast-json.ts";
import { receiptPath } from "../support/fixtures.ts";

const base64 = readFileSync(receiptPath("000")).toString("base64");
const request = (text: string) => ({
  model: "hunyuan-ocr",
  temperature: 0,
  messages: [
    { role: "system", content: "" },
    {
      role: "user",
      content: [
        { type: "image_url", image_url: { url: `data:image/jpeg;base64,${base64}` } },
        { type: "text", text },
      ],
    },
  ],
});

const texts = [
  "Extract the text in the image.",
  "提取图中的文字。",
  "emoji 🧾 and accents: café, naïve",
  'quotes " and backslashes \\ and a newline\n',
  "\u0000 control and \u00e9 latin-1",
];

describe("fast JSON", () => {
  it.each(texts)("round-trips a large body holding %j exactly like JSON", (text) => {
    const value = request(text);
    const bytes = stringifyJsonToBuffer(value);
    expect(bytes.equals(Buffer.from(JSON.stringify(value)))).toBe(true);
    expect(parseJsonBytes(bytes)).toEqual(value);
  });

  it("parses bodies with \\u escapes (as Python's json.dumps writes them) and raw UTF-8 together", () => {
    const raw = Buffer.from(`{"a":"${"A".repeat(5000)}","b":"\\u63d0\\u53d6","c":"提取"}`);
    expect(parseJsonBytes(raw)).toEqual({ a: "A".repeat(5000), b: "提取", c: "提取" });
  });

  it("keys with non-ASCII characters survive", () => {
    const value = { 名称: "x".repeat(5000), total: "9.00" };
    expect(parseJsonBytes(stringifyJsonToBuffer(value))).toEqual(value);
  });

  it("throws SyntaxError on invalid JSON of any size", () => {
    expect(() => parseJsonBytes(Buffer.from("{"))).toThrow(SyntaxError);
    expect(() => parseJsonBytes(Buffer.from(`{"a":"${"x".repeat(5000)}"`))).toThrow(SyntaxError);
  });
});

describe("nesting depth", () => {
  const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

  it("refuses JSON nested deeper than MAX_JSON_DEPTH, small or large, without overflowing the stack", () => {
    expect(() => parseJsonBytes(Buffer.from(nested(MAX_JSON_DEPTH)))).not.toThrow();
    for (const text of [
      nested(MAX_JSON_DEPTH + 1),
      nested(100_000),
      `{"pad":"${"a".repeat(5000)}","x":${nested(500)}}`,
    ]) {
      expect(() => parseJsonBytes(Buffer.from(text))).toThrow(JsonTooDeepError);
    }
  });
});
