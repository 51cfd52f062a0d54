import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterEach, describe, expect, it } from "vitest";
import { type EmulatorOptions, VllmEmulator } from "./index.ts";
import { ocrBody, postJson, receiptDataUrl, textBody } from "./test-kit.ts";

const receiptSchema = {
  type: "object",
  properties: {
    company: { type: "string" },
    date: { type: "string", format: "date" },
    total: { type: "number", minimum: 1 },
    items: {
      type: "array",
      minItems: 1,
      items: { type: "object", properties: { name: { type: "string", minLength: 3 } }, required: ["name"] },
    },
    currency: { enum: ["MYR", "USD"] },
    note: { anyOf: [{ type: "null" }, { type: "string" }] },
    address: { $ref: "#/$defs/address" },
  },
  required: ["company", "date", "total", "items", "currency", "vendor"],
  additionalProperties: true,
  $defs: {
    address: { type: "object", properties: { city: { type: "string", maxLength: 5 } }, required: ["city"] },
  },
};

let emulator: VllmEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function contentOf(options: EmulatorOptions, body: unknown): Promise<string> {
  emulator ??= await VllmEmulator.start(options);
  const response = await postJson(emulator.url, "/v1/chat/completions", body);
  expect(response.status).toBe(200);
  const json = (await response.json()) as { choices: { message: { content: string } }[] };
  return json.choices[0]?.message.content ?? "";
}

function validates(schema: object, text: string): boolean {
  const ajv = new Ajv2020({ strict: false });
  addFormats.default(ajv);
  return ajv.validate(schema, JSON.parse(text));
}

const fieldsPrompt = "提取图片中的: ['company','date','address','total'] 的字段内容，并按照JSON格式返回。";

describe("vLLM emulator structured outputs", () => {
  it("answers response_format json_schema with a document valid against the schema", async () => {
    const content = await contentOf(
      {},
      ocrBody(receiptDataUrl(), fieldsPrompt, {
        response_format: { type: "json_schema", json_schema: { name: "receipt", schema: receiptSchema } },
      }),
    );
    expect(validates(receiptSchema, content)).toBe(true);
    expect(JSON.parse(content)).toMatchObject({
      company: "BOOK TA .K (TAMAN DAYA) SDN BHD",
      date: "2018-12-25",
    });
  });

  it("answers json_object with the requested fields as plain JSON, and fences them when unconstrained", async () => {
    const constrained = await contentOf(
      {},
      ocrBody(receiptDataUrl(), fieldsPrompt, { response_format: { type: "json_object" } }),
    );
    expect(JSON.parse(constrained)).toEqual({
      company: "BOOK TA .K (TAMAN DAYA) SDN BHD",
      date: "25/12/2018",
      address: "NO.53 55,57 & 59, JALAN SAGU 18, TAMAN DAYA, 81100 JOHOR BAHRU, JOHOR.",
      total: "9.00",
    });
    const free = await contentOf({}, ocrBody(receiptDataUrl(), fieldsPrompt));
    expect(free).toMatch(/^```json\n\{[\s\S]*\}\n```$/);
  });

  it("honours structured_outputs.json from 0.11 and ignores it before", async () => {
    const schema = { type: "object", properties: { total: { type: "string" } }, required: ["total"] };
    const body = textBody("提取图中的文字。", { structured_outputs: { json: schema } });
    expect(validates(schema, await contentOf({ version: "0.12.0" }, body))).toBe(true);
    await emulator?.close();
    emulator = undefined;
    expect(await contentOf({ version: "0.10.2" }, body)).toContain("TOTAL: 9.00");
  });

  it("ignores guided_json on 0.12 but honours it on 0.11", async () => {
    const schema = { type: "object", properties: { total: { type: "string" } }, required: ["total"] };
    const body = textBody("提取图中的文字。", { guided_json: schema });
    const ignored = await contentOf({ version: "0.12.0" }, body);
    expect(() => JSON.parse(ignored)).toThrow();
    await emulator?.close();
    emulator = undefined;
    expect(validates(schema, await contentOf({ version: "0.11.1" }, body))).toBe(true);
  });

  it("accepts schemas xgrammar lacks under the default auto backend, rejects them with xgrammar", async () => {
    const schema = { type: "object", properties: { n: { type: "integer", multipleOf: 5 } }, required: ["n"] };
    const body = textBody("x", {
      response_format: { type: "json_schema", json_schema: { name: "n", schema } },
    });
    expect(validates(schema, await contentOf({}, body))).toBe(true);
    await emulator?.close();
    emulator = await VllmEmulator.start({ structuredOutputsBackend: "xgrammar" });
    const response = await postJson(emulator.url, "/v1/chat/completions", body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe(
      "The provided JSON schema contains features not supported by xgrammar.",
    );
  });

  it("sends scripted text as is, even when it breaks the schema", async () => {
    emulator = await VllmEmulator.start();
    emulator.script({ text: '{"company": ' });
    const content = await contentOf(
      {},
      textBody("x", {
        response_format: { type: "json_schema", json_schema: { name: "r", schema: receiptSchema } },
      }),
    );
    expect(content).toBe('{"company": ');
  });
});
