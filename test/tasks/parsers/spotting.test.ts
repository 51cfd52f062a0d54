import { describe, expect, it } from "vitest";
import { toPixelBoxes } from "../../../gateway/tasks/parsers/pixel-boxes.ts";
import { parseSpottingOutput } from "../../../gateway/tasks/parsers/spotting.ts";

const P = (n: number) => `<｜hy_place▁holder▁no▁${n}｜>`;
const expected = [
  { text: "TAN WOON YANN", box: { x1: 102, y1: 33, x2: 512, y2: 61 } },
  { text: "Total (RM): 9.00", box: { x1: 98, y1: 700, x2: 880, y2: 735 } },
];

describe("parseSpottingOutput", () => {
  it("reads the tagged form", () => {
    const output =
      "<ref>TAN WOON YANN</ref><quad>(102,33),(512,61)</quad>\n<ref>Total (RM): 9.00</ref><quad>(98,700),(880,735)</quad>";
    expect(parseSpottingOutput(output)).toEqual({ items: expected, noText: false, warnings: [] });
  });

  it("reads placeholder tokens sent with skip_special_tokens false", () => {
    const output = `${P(112)}TAN WOON YANN${P(113)}${P(110)}(102,33),(512,61)${P(111)}${P(112)}Total (RM): 9.00${P(113)}${P(110)}(98,700),(880,735)${P(111)}`;
    expect(parseSpottingOutput(output).items).toEqual(expected);
  });

  it("reads the bare form left when vLLM drops the tags, with parentheses in the text", () => {
    const output = "TAN WOON YANN(102,33),(512,61)Total (RM): 9.00(98,700),(880,735)";
    expect(parseSpottingOutput(output)).toEqual({ items: expected, noText: false, warnings: [] });
  });

  it("reads bare lines separated by newlines and spaces inside coordinates", () => {
    const output = "TAN WOON YANN( 102, 33 ), (512,61)\nTotal (RM): 9.00(98,700),(880,735)\n";
    expect(parseSpottingOutput(output).items).toEqual(expected);
  });

  it("tolerates four-point quads and orders corners", () => {
    const output =
      "<ref>斜体文字</ref><quad>(100,200),(300,210),(298,260),(98,250)</quad>Tilted(10,20),(30,20),(30,40),(10,40)";
    const { items } = parseSpottingOutput(output);
    expect(items[0]).toEqual({
      text: "斜体文字",
      box: { x1: 98, y1: 200, x2: 300, y2: 260 },
      quad: [
        [100, 200],
        [300, 210],
        [298, 260],
        [98, 250],
      ],
    });
    expect(items[1]?.box).toEqual({ x1: 10, y1: 20, x2: 30, y2: 40 });
  });

  it("reads the 1.5 JSON form, fenced or not, and salvages a truncated array", () => {
    const json =
      '[{"box": [102, 33, 512, 61], "text": "TAN WOON YANN"}, {"box": [98, 700, 880, 735], "text": "Total (RM): 9.00"}]';
    expect(parseSpottingOutput(json).items).toEqual(expected);
    expect(parseSpottingOutput(`\`\`\`json\n${json}\n\`\`\``).items).toEqual(expected);
    const truncated = `${json.slice(0, json.indexOf('{"box": [98'))}{"box": [98, 70`;
    const result = parseSpottingOutput(truncated);
    expect(result.items).toEqual(expected.slice(0, 1));
    expect(result.warnings.join()).toContain("incomplete");
  });

  it("answers an empty list for 'no text' answers", () => {
    for (const output of ["图中没有文字。", "无文字", ""]) {
      expect(parseSpottingOutput(output)).toMatchObject({ items: [], warnings: [] });
    }
    expect(parseSpottingOutput("图片中无文字").noText).toBe(true);
  });

  it("flags what it cannot place instead of throwing", () => {
    const result = parseSpottingOutput("A(1,2),(3,4)(5,6),(7,8)trailing words");
    expect(result.items).toEqual([{ text: "A", box: { x1: 1, y1: 2, x2: 3, y2: 4 } }]);
    expect(result.warnings).toContain("a box without text was dropped");
    expect(result.warnings.join("\n")).toContain("text without a box: trailing words");
    expect(parseSpottingOutput("just some text").warnings).toEqual([
      "no coordinates found in the model output",
    ]);
    expect(parseSpottingOutput("Big(10,20),(1200,40)").items[0]?.box).toEqual({
      x1: 10,
      y1: 20,
      x2: 1000,
      y2: 40,
    });
  });
});

describe("toPixelBoxes", () => {
  it("scales 0–1000 coordinates to the sent image, rounded and clamped, with a polygon", () => {
    const [item] = toPixelBoxes([{ text: "a", box: { x1: 102, y1: 33, x2: 1000, y2: 61 } }], 463, 1013);
    expect(item).toEqual({
      text: "a",
      box: { x1: 47, y1: 33, x2: 463, y2: 62 },
      polygon: [
        [47, 33],
        [463, 33],
        [463, 62],
        [47, 62],
      ],
    });
  });

  it("keeps a model quadrilateral as the polygon", () => {
    const [item] = toPixelBoxes(
      [
        {
          text: "b",
          box: { x1: 0, y1: 0, x2: 500, y2: 500 },
          quad: [
            [0, 100],
            [500, 0],
            [500, 400],
            [0, 500],
          ],
        },
      ],
      200,
      100,
    );
    expect(item?.polygon).toEqual([
      [0, 10],
      [100, 0],
      [100, 40],
      [0, 50],
    ]);
  });
});
