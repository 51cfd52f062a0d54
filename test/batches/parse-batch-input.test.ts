import { describe, expect, it } from "vitest";
import { parseBatchInput } from "../../gateway/batches/parse-batch-input.ts";

const openai = { endpoint: "/v1/ocr", maxLines: 10, format: "openai" } as const;
const line = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: id, method: "POST", url: "/v1/ocr", body: { document: {} }, ...extra });

describe("batch input files", () => {
  it("reads OpenAI lines in order, skipping blank lines", () => {
    const parsed = parseBatchInput(`${line("a")}\n\n${line("b")}\n`, openai);
    expect(parsed).toEqual({
      ok: true,
      lines: [
        { index: 0, custom_id: "a", body: { document: {} } },
        { index: 1, custom_id: "b", body: { document: {} } },
      ],
    });
  });

  it("names every bad line with its number and a stable code", () => {
    const text = [
      line("a"),
      "{not json",
      line("a"),
      line("c", { url: "/v1/chat/completions" }),
      JSON.stringify({ method: "POST", url: "/v1/ocr", body: {} }),
      line("d", { method: "GET" }),
      JSON.stringify({ custom_id: "e", method: "POST", url: "/v1/ocr", body: "text" }),
    ].join("\n");
    const parsed = parseBatchInput(text, openai);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((error) => [error.line, error.code])).toEqual([
      [2, "invalid_json_line"],
      [3, "duplicate_custom_id"],
      [4, "mismatched_endpoint"],
      [5, "missing_required_parameter"],
      [6, "invalid_method"],
      [7, "invalid_request"],
    ]);
  });

  it("accepts Mistral lines with only a body, numbering them", () => {
    const text = `${JSON.stringify({ body: { x: 1 } })}\n${JSON.stringify({ custom_id: "k", body: {} })}`;
    const parsed = parseBatchInput(text, { ...openai, format: "mistral" });
    expect(parsed.ok && parsed.lines.map((item) => item.custom_id)).toEqual(["0", "k"]);
  });

  it("refuses an empty file and one over the line limit", () => {
    const empty = parseBatchInput("\n", openai);
    expect(!empty.ok && empty.errors[0]?.code).toBe("empty_file");
    const many = Array.from({ length: 11 }, (_, index) => line(`r${index}`)).join("\n");
    const tooMany = parseBatchInput(many, openai);
    expect(!tooMany.ok && tooMany.errors[0]?.code).toBe("too_many_requests");
  });
});
