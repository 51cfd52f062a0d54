import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { beforeAll, describe, expect, it } from "vitest";
import { chatRequestSchema } from "../../gateway/chat/chat-request.ts";
import { ocrRequestSchema } from "../../gateway/ocr/ocr-request.ts";
import { receiptDataUrl } from "../support/fixtures.ts";
import {
  type ErrorBody,
  postOcrForm,
  postOcrJson,
  receiptUpload,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";

const bed = useOcrGateway();

/** The documented schemas, compiled with the document itself so `$ref`s into components resolve. */
let schemaOf: (name: string) => ValidateFunction;
beforeAll(async () => {
  const document = (await (await fetch(`${bed.gateway.url}/openapi.json`)).json()) as Record<string, unknown>;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ ...document, $id: "openapi.json" });
  schemaOf = (name) => {
    const validate = ajv.getSchema(`openapi.json#/components/schemas/${name}`);
    if (!validate) throw new Error(`no schema ${name}`);
    return validate;
  };
});

function expectMatches(name: string, value: unknown): void {
  const validate = schemaOf(name);
  expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
}

const image = { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } };

const ocrBodies: Array<[string, unknown]> = [
  ["a document URL", { document: { type: "document_url", document_url: "https://example.com/a.pdf" } }],
  ["an image with options", { document: image, task: "text", pages: "0-2", table_format: "markdown" }],
  ["Mistral's extra options", { model: "mistral-ocr-latest", document: image, image_limit: 3 }],
  ["a negative page", { document: image, pages: [-1] }],
  ["an unknown table format", { document: image, table_format: "latex" }],
  ["an unknown document type", { document: { type: "video_url", video_url: "x" } }],
  ["a string for stream", { document: image, stream: "yes" }],
  ["zero max_tokens", { document: image, max_tokens: 0 }],
  ["an empty field name", { document: image, fields: [""] }],
  ["an empty model", { document: image, model: "" }],
];

const chatBodies: Array<[string, unknown]> = [
  ["a text message", { messages: [{ role: "user", content: "hi" }] }],
  ["an image message with vLLM extras", { messages: [{ role: "user", content: [image] }], top_k: 1 }],
  ["no messages", { messages: [] }],
  ["an unknown role", { messages: [{ role: "bot", content: "hi" }] }],
  ["temperature 3", { messages: [{ role: "user", content: "hi" }], temperature: 3 }],
  ["n = 2", { messages: [{ role: "user", content: "hi" }], n: 2 }],
  ["top_p 0", { messages: [{ role: "user", content: "hi" }], top_p: 0 }],
  ["an audio part", { messages: [{ role: "user", content: [{ type: "input_audio" }] }] }],
];

describe("request schemas agree with the zod schemas the routes validate with", () => {
  it.each(ocrBodies)("OcrRequest: %s", (_label, body) => {
    expect(schemaOf("OcrRequest")(body)).toBe(ocrRequestSchema.safeParse(body).success);
  });

  it.each(chatBodies)("ChatCompletionRequest: %s", (_label, body) => {
    expect(schemaOf("ChatCompletionRequest")(body)).toBe(chatRequestSchema.safeParse(body).success);
  });

  it("each body the document rejects is a 400 from the route, before anything goes upstream", async () => {
    const invalid = [
      ...ocrBodies.filter(([, body]) => !schemaOf("OcrRequest")(body)).map(([, body]) => ["/v1/ocr", body]),
      ...chatBodies
        .filter(([, body]) => !schemaOf("ChatCompletionRequest")(body))
        .map(([, body]) => ["/v1/chat/completions", body]),
    ] as Array<[string, unknown]>;
    expect(invalid.length).toBeGreaterThanOrEqual(12);
    for (const [path, body] of invalid) {
      const response = await fetch(`${bed.gateway.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expectMatches("ErrorEnvelope", await response.json());
    }
    expect(bed.emulator.chatRequests).toHaveLength(0);
  });
});

describe("real answers match the documented response schemas", () => {
  it("OcrResponse for text, fields and spotting", async () => {
    const text = await postOcrForm(bed.gateway.url, receiptUpload(), { task: "text" });
    expectMatches("OcrResponse", await text.json());
    const fields = await postOcrJson(bed.gateway.url, {
      document: { type: "image_url", image_url: receiptDataUrl() },
      fields: ["company", "total"],
    });
    expectMatches("OcrResponse", await fields.json());
    const spotting = await postOcrForm(bed.gateway.url, receiptUpload(), { task: "spotting" });
    const body = (await spotting.json()) as { pages: Array<{ boxes?: unknown[] }> };
    expect(body.pages[0]?.boxes?.length).toBeGreaterThan(0);
    expectMatches("OcrResponse", body);
  });

  it("ChatCompletion, ModelList, Model, TaskList, Health, Readiness", async () => {
    const chat = await fetch(`${bed.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url: receiptDataUrl() } },
              { type: "text", text: "提取图中的文字。" },
            ],
          },
        ],
      }),
    });
    expectMatches("ChatCompletion", await chat.json());
    const get = async (path: string) => (await fetch(`${bed.gateway.url}${path}`)).json();
    expectMatches("ModelList", await get("/v1/models"));
    expectMatches("Model", await get("/v1/models/hunyuan-ocr"));
    expectMatches("TaskList", await get("/v1/tasks"));
    expectMatches("Health", await get("/health"));
    expectMatches("Readiness", await get("/ready"));
  });

  it("ErrorEnvelope for a 404", async () => {
    const response = await fetch(`${bed.gateway.url}/v1/models/gpt-4o`);
    expect(response.status).toBe(404);
    const body = (await response.json()) as ErrorBody;
    expectMatches("ErrorEnvelope", body);
    expect(schemaOf("ErrorEnvelope")({ error: { message: "x" } })).toBe(false);
  });
});
