import { describe, expect, it } from "vitest";
import { receiptDataUrl } from "../support/fixtures.ts";
import {
  type ErrorBody,
  postOcrForm,
  postOcrJson,
  receiptUpload,
  upstreamBodies,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;

const bed = useOcrGateway();
const VALID = '{"company": "BOOK TA .K (TAMAN DAYA) SDN BHD", "total": "9.00"}';

function askFields(): Promise<Response> {
  return postOcrForm(bed.gateway.url, receiptUpload("000"), {
    task: "fields",
    fields: '["company","total"]',
  });
}

async function json(response: Response, status = 200): Promise<Json> {
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(status);
  return body;
}

describe("structured output is validated and retried once", () => {
  it.each([
    ["a wrong type", '{"company": "BOOK TA .K (TAMAN DAYA) SDN BHD", "total": 9.00}'],
    ["a missing key", '{"company": "BOOK TA .K (TAMAN DAYA) SDN BHD"}'],
    ["no JSON at all", "The total is 9.00"],
  ])("%s, then a valid answer: 200, retried, two upstream requests", async (_name, invalid) => {
    bed.emulator.script({ text: invalid }, { text: VALID });
    const body = await json(await askFields());
    expect(body.fields).toEqual({ company: "BOOK TA .K (TAMAN DAYA) SDN BHD", total: "9.00" });
    expect(body.pages[0]).toMatchObject({ retried: true, finish_reason: "stop" });
    expect(body.pages[0].warnings[0]).toMatch(/^retried once: /);
    const bodies = upstreamBodies(bed.emulator);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]?.response_format).toEqual(bodies[0]?.response_format);
    // Usage covers both attempts.
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.pages[0].usage.prompt_tokens).toBeGreaterThan(2 * 200);
  });

  it("invalid twice: 502 invalid_model_output, and no half-read fields", async () => {
    bed.emulator.script({ text: '{"company": 12}' }, { text: "not json" });
    const response = await askFields();
    const body = (await json(response, 502)) as ErrorBody;
    expect(body.error.code).toBe("invalid_model_output");
    expect(bed.emulator.chatRequests).toHaveLength(2);
  });

  it.each([
    ["uniqueItems", { tags: { type: "array", items: { type: "string" }, uniqueItems: true } }],
    ["patternProperties", { extra: { type: "object", patternProperties: { "^x-": { type: "string" } } } }],
    ["an unsupported format", { total: { type: "string", format: "credit-card" } }],
  ])("a schema with %s is refused with 422 before any model call", async (_name, properties) => {
    const schema = { type: "object", properties: { total: { type: "string" }, ...properties } };
    const viaForm = await postOcrForm(bed.gateway.url, receiptUpload("000"), {
      task: "fields",
      schema: JSON.stringify(schema),
    });
    expect(((await json(viaForm, 422)) as ErrorBody).error).toMatchObject({ code: "unsupported_schema" });
    const viaMistral = await postOcrJson(bed.gateway.url, {
      document: { type: "image_url", image_url: receiptDataUrl("000") },
      document_annotation_format: { type: "json_schema", json_schema: { name: "receipt", schema } },
    });
    expect(((await json(viaMistral, 422)) as ErrorBody).error).toMatchObject({ code: "unsupported_schema" });
    expect(bed.emulator.chatRequests).toHaveLength(0);
  });
});

describe("truncated answers (finish_reason length)", () => {
  it("are retried once with the profile's higher repetition penalty", async () => {
    bed.emulator.script(
      { text: "TAN WOON YANN\nBOOK TA .K", finishReason: "length" },
      { text: "TAN WOON YANN\nTOTAL 9.00" },
    );
    const body = await json(await postOcrForm(bed.gateway.url, receiptUpload("000"), { task: "text" }));
    expect(body.text).toBe("TAN WOON YANN\nTOTAL 9.00");
    expect(body.pages[0]).toMatchObject({ retried: true, finish_reason: "stop" });
    const [first, second] = upstreamBodies(bed.emulator);
    expect(first?.repetition_penalty).toBe(1);
    expect(second?.repetition_penalty).toBe(1.05);
    expect(second).toMatchObject({ temperature: 0, top_k: 1, top_p: 0.95, seed: 1234, max_tokens: 8192 });
  });

  it("still truncated after the retry: the page says so instead of passing it off as complete", async () => {
    bed.emulator.script(
      { text: "TAN WOON YANN\nBOOK", finishReason: "length" },
      { text: "TAN WOON YANN\nBOOK TA", finishReason: "length" },
    );
    const body = await json(await postOcrForm(bed.gateway.url, receiptUpload("000"), { task: "text" }));
    const page = body.pages[0];
    expect(page).toMatchObject({ finish_reason: "length", retried: true, text: "TAN WOON YANN\nBOOK TA" });
    expect(page.warnings.join("\n")).toMatch(/max_tokens/);
    expect(page.warnings.join("\n")).toMatch(/still failing/);
    expect(bed.emulator.chatRequests).toHaveLength(2);
  });

  it("fields cut off twice are a 502, not a 200 with empty fields", async () => {
    const cut = { text: '{"company": "BOOK TA .K (TAMAN', finishReason: "length" as const };
    bed.emulator.script(cut, cut);
    const body = (await json(await askFields(), 502)) as ErrorBody;
    expect(body.error.code).toBe("invalid_model_output");
    expect(body.error.message).toMatch(/max_tokens/);
  });
});

describe("repetition loops", () => {
  const head = "TAN WOON YANN\nBOOK TA .K (TAMAN DAYA) SDN BHD\n";
  const unit = "KF MODELLING CLAY KIDDY FISH 9.00 ";
  const looped = head + unit.repeat(400);

  it("are cut off while streaming, retried with a higher penalty, and the clean answer is kept", async () => {
    // 400 tokens at 2 ms: the gateway sees the loop after ~120 of them, long before the stream would end.
    const tokens = [head, ...Array<string>(400).fill(unit)];
    bed.emulator.script({ tokens, tokenDelayMs: 2 }, { text: `${head}TOTAL 9.00` });
    const body = await json(await postOcrForm(bed.gateway.url, receiptUpload("000"), { task: "text" }));
    expect(body.text).toBe(`${head}TOTAL 9.00`);
    expect(body.pages[0]).toMatchObject({ retried: true, finish_reason: "stop" });
    expect(body.pages[0].warnings[0]).toMatch(/repeated itself/);
    // The looping generation was stopped, not left to run to max_tokens.
    await bed.emulator.waitForAbort();
    const [first, second] = upstreamBodies(bed.emulator);
    expect(first?.repetition_penalty).toBe(1);
    expect(second?.repetition_penalty).toBe(1.05);
  });

  it("looping again: the page is marked and its text keeps one copy of the loop, not the looped tail", async () => {
    bed.emulator.script({ text: looped }, { text: looped });
    const body = await json(await postOcrForm(bed.gateway.url, receiptUpload("000"), { task: "text" }));
    const page = body.pages[0];
    expect(page).toMatchObject({ finish_reason: "repetition", retried: true });
    expect(page.text.startsWith(head)).toBe(true);
    expect(page.text.split("KF MODELLING").length - 1).toBeLessThanOrEqual(2);
    expect(page.warnings.join("\n")).toMatch(/still failing after the retry/);
  });
});
