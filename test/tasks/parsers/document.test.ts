import { describe, expect, it } from "vitest";
import { parseDocumentOutput } from "../../../gateway/tasks/parsers/document.ts";

const P = (n: number) => `<｜hy_place▁holder▁no▁${n}｜>`;

describe("parseDocumentOutput: figures", () => {
  it("strips bare figure coordinates (tags skipped) and reports them as figures", () => {
    const output = [
      "## 交通",
      "",
      "数据来源于高德地图驾车导航数据(39,337),(512,900)",
      "(147,90),(925,415)",
      "",
      "正文继续。",
    ].join("\n");
    const result = parseDocumentOutput(output);
    expect(result.markdown).toBe(
      ["## 交通", "", "数据来源于高德地图驾车导航数据", "", "正文继续。"].join("\n"),
    );
    expect(result.figures).toEqual([
      { caption: "数据来源于高德地图驾车导航数据", box: { x1: 39, y1: 337, x2: 512, y2: 900 } },
      { caption: "", box: { x1: 147, y1: 90, x2: 925, y2: 415 } },
    ]);
  });

  it("reads tagged figures and placeholder tokens", () => {
    const tagged = "Intro\n<pFig>Figure 1: growth</pFig><quad>(10,20),(300,400)</quad>\nEnd";
    const placeholders = `Intro\n${P(114)}Figure 1: growth${P(115)}${P(110)}(10,20),(300,400)${P(111)}\nEnd`;
    for (const output of [tagged, placeholders]) {
      expect(parseDocumentOutput(output)).toEqual({
        markdown: "Intro\nFigure 1: growth\nEnd",
        figures: [{ caption: "Figure 1: growth", box: { x1: 10, y1: 20, x2: 300, y2: 400 } }],
        tables: 0,
        warnings: [],
      });
    }
  });

  it("numbers figures in document order and can leave a marker where each was", () => {
    const output = "(1,2),(3,4)\n<pFig>B</pFig><quad>(5,6),(7,8)</quad>";
    const result = parseDocumentOutput(output, {
      figureMarkdown: (_figure, index) => `![img-${index}](img-${index})`,
    });
    expect(result.markdown).toBe("![img-0](img-0)\n![img-1](img-1)\n\nB");
    expect(result.figures.map((figure) => figure.caption)).toEqual(["", "B"]);
  });

  it("leaves coordinates inside tables, maths and code alone", () => {
    const output = [
      "<table><tr><td>(1,2),(3,4)</td></tr></table>",
      "$$",
      "S = \\{(2,4),(3,3)\\}",
      "$$",
      "Inline $A=(1,2),(3,4)$",
      "\\[ (5,6),(7,8) \\]",
      "```",
      "points = (1,2),(3,4)",
      "```",
      "A coordinate (1,2),(3,4) in the middle of prose stays.",
    ].join("\n");
    const result = parseDocumentOutput(output);
    expect(result.markdown).toBe(output);
    expect(result.figures).toEqual([]);
  });

  it("keeps formulas and strips a fence around the whole answer", () => {
    const output = "```markdown\n# T\n\n$$\\frac{a}{b}$$ and \\(x^2\\)\n```";
    expect(parseDocumentOutput(output).markdown).toBe("# T\n\n$$\\frac{a}{b}$$ and \\(x^2\\)");
  });
});

describe("parseDocumentOutput: tables", () => {
  const simple =
    "<table><caption>表1</caption><tr><th>项目</th><th>金额</th></tr><tr><td>a|b</td><td>9.00<br>RM</td></tr></table>";
  const merged = '<table><tr><td rowspan="2">合计</td><td>1</td></tr><tr><td>2</td></tr></table>';

  it("keeps HTML tables intact by default and counts them", () => {
    const output = `Text\n${simple}\n${merged}`;
    const result = parseDocumentOutput(output);
    expect(result.markdown).toBe(output);
    expect(result.tables).toBe(2);
  });

  it("converts simple tables to pipe tables and keeps merged cells as HTML with a warning", () => {
    const result = parseDocumentOutput(`Text\n${simple}\n${merged}`, { tableFormat: "markdown" });
    expect(result.markdown).toBe(
      ["Text", "", "表1", "", "| 项目 | 金额 |", "| --- | --- |", "| a\\|b | 9.00<br>RM |", "", merged].join(
        "\n",
      ),
    );
    expect(result.tables).toBe(2);
    expect(result.warnings).toEqual(["HTML table 2 kept as HTML: merged cells (rowspan/colspan)"]);
  });

  it("uses the first row as header when there is no <th> and pads short rows", () => {
    const output = "<table><tbody><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></tbody></table>";
    expect(parseDocumentOutput(output, { tableFormat: "markdown" }).markdown).toBe(
      "| a | b |\n| --- | --- |\n| c |  |",
    );
  });

  it("counts Markdown pipe tables the model wrote itself", () => {
    expect(parseDocumentOutput("| a | b |\n|---|---|\n| 1 | 2 |").tables).toBe(1);
  });
});
