import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { readReceipt, receiptDataUrl } from "../support/fixtures.ts";
import {
  type ErrorBody,
  postOcrForm,
  postOcrJson,
  receiptUpload,
  sentImage,
  sentPrompt,
  upstreamBodies,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";

const bed = useOcrGateway();

/** Receipt 000 is 463×1013 pixels. */
const RECEIPT = { width: 463, height: 1013 };
const PROFILE_SAMPLING = { temperature: 0, top_p: 0.95, top_k: 1, repetition_penalty: 1, seed: 1234 };

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;

async function ocr(fields: Record<string, string>, answer?: string): Promise<Json> {
  if (answer != null) bed.emulator.script({ text: answer });
  const response = await postOcrForm(bed.gateway.url, receiptUpload("000"), fields);
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

function onlyUpstream(): Record<string, unknown> {
  const bodies = upstreamBodies(bed.emulator);
  expect(bodies).toHaveLength(1);
  return bodies[0] as Record<string, unknown>;
}

describe("text", () => {
  it("sends the official Chinese prompt after the image, an empty system message and the 1.0 sampling", async () => {
    const text = "TAN WOON YANN\nBOOK TA .K (TAMAN DAYA) SDN BHD\nTOTAL: 9.00";
    const body = await ocr({ task: "text", language: "zh" }, text);

    expect(body).toMatchObject({ object: "ocr", task: "text", model: "tencent/HunyuanOCR", text });
    expect(body.pages).toHaveLength(1);
    expect(body.pages[0]).toMatchObject({ index: 0, markdown: text, finish_reason: "stop", retried: false });
    expect(body.pages[0].dimensions).toEqual({ ...RECEIPT, dpi: 72 });
    expect(body.usage_info).toEqual({ pages_processed: 1, doc_size_bytes: readReceipt("000").length });

    const sent = onlyUpstream();
    expect(sent).toMatchObject({ ...PROFILE_SAMPLING, max_tokens: 8192, model: "tencent/HunyuanOCR" });
    expect(sent).not.toHaveProperty("response_format");
    expect(sent).not.toHaveProperty("skip_special_tokens");
    expect(sent.messages).toEqual([
      { role: "system", content: "" },
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: receiptDataUrl("000") } },
          { type: "text", text: "提取图中的文字。" },
        ],
      },
    ]);
  });

  it("accepts the seed's alias extract_text and the English prompt", async () => {
    const body = await ocr({ task: "extract_text", language: "en" }, "TOTAL: 9.00");
    expect(body.task).toBe("text");
    expect(body.text).toBe("TOTAL: 9.00");
    expect(sentPrompt(onlyUpstream())).toBe("Extract the text in the image.");
  });

  it("defaults to the text task in Chinese when no task is named", async () => {
    await ocr({}, "TOTAL: 9.00");
    expect(sentPrompt(onlyUpstream())).toBe("提取图中的文字。");
  });
});

describe("spotting", () => {
  // Ground truth of receipt 000: "TAN WOON YANN" at x 72–326, y 25–64; "BOOK TA .K(TAMAN DAYA) SDN BND" at
  // x 50–440, y 82–121. In the model's 0–1000 coordinates: (156,25),(704,63) and (108,81),(950,119).
  const expectedBoxes = [
    { text: "TAN WOON YANN", box: { x1: 72, y1: 25, x2: 326, y2: 64 } },
    { text: "BOOK TA .K(TAMAN DAYA) SDN BND", box: { x1: 50, y1: 82, x2: 440, y2: 121 } },
  ];
  const tag = (n: number) => `<｜hy_place▁holder▁no▁${n}｜>`;

  it("asks vLLM to keep special tokens (1.0 profile) and maps the tagged answer to pixel boxes", async () => {
    const tagged =
      `${tag(112)}TAN WOON YANN${tag(113)}${tag(110)}(156,25),(704,63)${tag(111)}` +
      `${tag(112)}BOOK TA .K(TAMAN DAYA) SDN BND${tag(113)}${tag(110)}(108,81),(950,119)${tag(111)}`;
    const body = await ocr({ task: "spotting" }, tagged);

    const sent = onlyUpstream();
    expect(sent).toMatchObject({ ...PROFILE_SAMPLING, max_tokens: 8192, skip_special_tokens: false });
    expect(sentPrompt(sent)).toBe("检测并识别图片中的文字，将文本坐标格式化输出。");
    const page = body.pages[0];
    expect(page.box_units).toBe("pixels");
    expect(page.boxes.map(({ text, box }: Json) => ({ text, box }))).toEqual(expectedBoxes);
    expect(page.boxes[0].polygon).toEqual([
      [72, 25],
      [326, 25],
      [326, 64],
      [72, 64],
    ]);
    expect(body.text).toBe("TAN WOON YANN\nBOOK TA .K(TAMAN DAYA) SDN BND");
    expect(body.text).not.toMatch(/hy_place|\(\d+,\d+\)/);
  });

  it("parses the bare form vLLM sends when special tokens are skipped, text with parentheses included", async () => {
    const bare = "TAN WOON YANN(156,25),(704,63)BOOK TA .K(TAMAN DAYA) SDN BND(108,81),(950,119)";
    const body = await ocr({ task: "detect_text", language: "en" }, bare);
    expect(sentPrompt(onlyUpstream())).toBe(
      "Detect and recognize text in the image, and output the text coordinates in a formatted manner.",
    );
    expect(body.task).toBe("spotting");
    expect(body.pages[0].boxes.map(({ text, box }: Json) => ({ text, box }))).toEqual(expectedBoxes);
  });
});

describe("document", () => {
  const markdown = [
    "# BOOK TA .K (TAMAN DAYA) SDN BHD",
    "",
    "<table><tr><th>Item</th><th>Amount</th></tr><tr><td>KF MODELLING CLAY KIDDY FISH</td><td>9.00</td></tr></table>",
    "",
    "$$\\sum_{i=1}^{1} p_i = 9.00$$",
    "",
    "Store logo(100,50),(500,200)",
  ].join("\n");

  it("keeps HTML tables and LaTeX, strips stray figure coordinates and reports them as image regions", async () => {
    const body = await ocr({ task: "document" }, markdown);
    const sent = onlyUpstream();
    expect(sent).toMatchObject({ ...PROFILE_SAMPLING, max_tokens: 16384 });
    expect(sentPrompt(sent)).toBe(
      "提取文档图片中正文的所有信息用markdown格式表示，其中页眉、页脚部分忽略，表格用html格式表达，文档中公式用latex格式表示，按照阅读顺序组织进行解析。",
    );
    const page = body.pages[0];
    expect(page.markdown).toContain("<table><tr><th>Item</th>");
    expect(page.markdown).toContain("$$\\sum_{i=1}^{1} p_i = 9.00$$");
    expect(page.markdown).toContain("Store logo");
    expect(page.markdown).not.toMatch(/\(\d+,\d+\)/);
    // (100,50),(500,200) of 463×1013 pixels.
    expect(page.images).toEqual([
      {
        id: "img-0-0.jpeg",
        top_left_x: 46,
        top_left_y: 51,
        bottom_right_x: 232,
        bottom_right_y: 203,
        image_base64: null,
      },
    ]);
  });

  it("converts the table to Markdown with table_format and crops the figure with include_image_base64", async () => {
    bed.emulator.script({ text: markdown });
    const response = await postOcrJson(bed.gateway.url, {
      model: "mistral-ocr-latest",
      document: { type: "image_url", image_url: receiptDataUrl("000") },
      task: "document",
      table_format: "markdown",
      include_image_base64: true,
    });
    const body = (await response.json()) as Json;
    expect(response.status, JSON.stringify(body)).toBe(200);
    const page = body.pages[0];
    expect(page.markdown).toContain(
      "| Item | Amount |\n| --- | --- |\n| KF MODELLING CLAY KIDDY FISH | 9.00 |",
    );
    expect(page.markdown).not.toContain("<table>");
    const crop = page.images[0].image_base64 as string;
    expect(crop).toMatch(/^data:image\/jpeg;base64,/);
    const size = await sharp(Buffer.from(crop.split(",")[1] ?? "", "base64")).metadata();
    expect({ width: size.width, height: size.height }).toEqual({ width: 232 - 46, height: 203 - 51 });
  });
});

describe("table, formula and chart", () => {
  it("table: official prompt and its max_tokens; a ```html fence around the answer is removed", async () => {
    const table = "<table><tr><td>TOTAL</td><td>9.00</td></tr></table>";
    const body = await ocr({ task: "table" }, `\`\`\`html\n${table}\n\`\`\``);
    const sent = onlyUpstream();
    expect(sentPrompt(sent)).toBe("把图中的表格解析为HTML。");
    expect(sent.max_tokens).toBe(8192);
    expect(body.text).toBe(table);
  });

  it("formula: official prompt, LaTeX kept as is", async () => {
    const body = await ocr({ task: "formula", language: "en" }, "$$9.00 \\times 1 = 9.00$$");
    const sent = onlyUpstream();
    expect(sentPrompt(sent)).toBe("Identify the formula in the image and represent it using LaTeX format.");
    expect(sent.max_tokens).toBe(4096);
    expect(body.text).toBe("$$9.00 \\times 1 = 9.00$$");
  });

  it("chart: official prompt, a Mermaid fence removed", async () => {
    const body = await ocr({ task: "chart" }, "```mermaid\ngraph TD\nA[Order] --> B[Pay 9.00]\n```");
    expect(sentPrompt(onlyUpstream())).toBe(
      "解析图中的图表，对于流程图使用Mermaid格式表示，其他图表使用Markdown格式表示。",
    );
    expect(body.text).toBe("graph TD\nA[Order] --> B[Pay 9.00]");
  });
});

describe("fields and value", () => {
  const answer = { company: "BOOK TA .K (TAMAN DAYA) SDN BHD", total: "9.00" };
  const keySchema = {
    type: "object",
    properties: { company: { type: "string" }, total: { type: "string" } },
    required: ["company", "total"],
    additionalProperties: false,
  };

  it.each([
    ["a JSON array", '["company","total"]', "fields"],
    ["a comma list", "company, total", "extract_fields"],
  ])(
    "fields given as %s: official prompt with a Python list, json_schema constraint, parsed fields",
    async (_name, fields, task) => {
      const body = await ocr({ task, fields }, JSON.stringify(answer));
      const sent = onlyUpstream();
      expect(sentPrompt(sent)).toBe("提取图片中的: ['company','total'] 的字段内容，并按照JSON格式返回。");
      expect(sent).toMatchObject({ ...PROFILE_SAMPLING, max_tokens: 2048 });
      expect(sent.response_format).toEqual({
        type: "json_schema",
        json_schema: { name: "fields", schema: keySchema, strict: true },
      });
      expect(body.task).toBe("fields");
      expect(body.fields).toEqual(answer);
      expect(body.pages[0].fields).toEqual(answer);
      expect(JSON.parse(body.document_annotation)).toEqual(answer);
    },
  );

  it("value: the key goes into the official prompt; the answer is plain text", async () => {
    const body = await ocr({ task: "value", key: "total" }, "9.00");
    const sent = onlyUpstream();
    expect(sentPrompt(sent)).toBe("输出total的值。");
    expect(sent.max_tokens).toBe(1024);
    expect(sent).not.toHaveProperty("response_format");
    expect(body.text).toBe("9.00");
  });
});

describe("translate", () => {
  it.each([
    [
      "en",
      "zh",
      "先提取文字，再将文字内容翻译为英文。若是文档，则其中页眉、页脚忽略。公式用latex格式表示，表格用html格式表示。",
    ],
    [
      "zh",
      "zh",
      "先提取文字，再将文字内容翻译为中文。若是文档，则其中页眉、页脚忽略。公式用latex格式表示，表格用html格式表示。",
    ],
    [
      "zh",
      "en",
      "First extract the text, then translate the text content into Chinese. If it is a document, ignore the header and footer. Formulas should be represented in LaTeX format, and tables should be represented in HTML format.",
    ],
  ])("target %s with a %s prompt", async (target, language, prompt) => {
    const body = await ocr(
      { task: "translate", target_language: target, language },
      "书塔（大雅花园）有限公司\n总计：9.00",
    );
    expect(sentPrompt(onlyUpstream())).toBe(prompt);
    expect(body.text).toBe("书塔（大雅花园）有限公司\n总计：9.00");
  });

  it("refuses a target the model cannot translate into, before calling the model", async () => {
    const response = await postOcrForm(bed.gateway.url, receiptUpload("000"), {
      task: "translate",
      target_language: "fr",
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: "unsupported_target_language", param: "target_language" });
    expect(bed.emulator.chatRequests).toHaveLength(0);
  });
});

describe("subtitles from an image frame", () => {
  it("returns the subtitle lines (bilingual subtitles give two)", async () => {
    const body = await ocr({ task: "subtitles" }, "今天的总额是九块钱\nToday's total is nine ringgit\n");
    expect(sentPrompt(onlyUpstream())).toBe("提取图片中的字幕。");
    expect(body.pages[0].lines).toEqual(["今天的总额是九块钱", "Today's total is nine ringgit"]);
    expect(body.text).toBe("今天的总额是九块钱\nToday's total is nine ringgit");
  });
});

describe("upstream image", () => {
  it("sends a conforming receipt JPEG byte for byte as a data: URL", async () => {
    await ocr({ task: "text" }, "x");
    const image = await sentImage(onlyUpstream());
    expect(image.url.startsWith("data:image/jpeg;base64,")).toBe(true);
    expect(image.bytes.equals(readReceipt("000"))).toBe(true);
  });
});
