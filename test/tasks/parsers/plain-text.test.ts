import { describe, expect, it } from "vitest";
import { parseTaskOutput } from "../../../gateway/tasks/parsers/parse-task-output.ts";

describe("text-like parsers", () => {
  it("text: trims and normalises line endings", () => {
    expect(parseTaskOutput("text", "  第一行\r\n第二行\r\n\n")).toEqual({
      parser: "text",
      text: "第一行\n第二行",
      warnings: [],
    });
  });

  it("subtitles: gives the non-empty lines", () => {
    expect(parseTaskOutput("subtitles", "我们走吧\r\n\r\nLet's go\n")).toMatchObject({
      text: "我们走吧\nLet's go",
      lines: ["我们走吧", "Let's go"],
    });
  });

  it("formula: strips a ```latex fence around the whole answer but keeps $$", () => {
    expect(parseTaskOutput("formula", "```latex\n$$\\frac{1}{2}$$\n```")).toMatchObject({
      text: "$$\\frac{1}{2}$$",
    });
  });

  it("table: strips a ```html fence; converts to Markdown on request, keeping merged cells as HTML", () => {
    const html = "<table><tr><td>a</td><td>b</td></tr></table>";
    expect(parseTaskOutput("table", `\`\`\`html\n${html}\n\`\`\``)).toMatchObject({
      text: html,
      warnings: [],
    });
    expect(parseTaskOutput("table", html, { tableFormat: "markdown" })).toMatchObject({
      text: "| a | b |\n| --- | --- |",
    });
    const merged = '<table><tr><td colspan="2">a</td></tr></table>';
    expect(parseTaskOutput("table", merged, { tableFormat: "markdown" })).toMatchObject({
      text: merged,
      warnings: ["HTML table 1 kept as HTML: merged cells (rowspan/colspan)"],
    });
  });

  it("chart: tells Mermaid from Markdown", () => {
    expect(parseTaskOutput("chart", "```mermaid\ngraph TD\nA-->B\n```")).toMatchObject({
      text: "graph TD\nA-->B",
      format: "mermaid",
    });
    expect(parseTaskOutput("chart", "flowchart LR\nA-->B")).toMatchObject({ format: "mermaid" });
    expect(parseTaskOutput("chart", "| 年份 | 销量 |\n|---|---|\n| 2020 | 5 |")).toMatchObject({
      format: "markdown",
    });
  });

  it("dispatches spotting, document and fields", () => {
    expect(parseTaskOutput("spotting", "A(1,2),(3,4)")).toMatchObject({
      parser: "spotting",
      items: [{ text: "A" }],
    });
    expect(parseTaskOutput("document", "# T(1,2),(3,4)")).toMatchObject({
      parser: "document",
      markdown: "# T",
    });
    expect(parseTaskOutput("fields", '{"a":"b"}')).toMatchObject({
      parser: "fields",
      ok: true,
      value: { a: "b" },
    });
  });
});
