import { readReceipt } from "../../support/fixtures.ts";
import { type BadInputCase, chat, imagePart, json, mistral, seededBytes } from "./request-builders.ts";

/** Broken requests: wrong content types, invalid JSON, invalid chat and OCR options, schemas vLLM cannot honour. */
export function requestCases(): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const add = (entry: BadInputCase) => cases.push(entry);
  const receipt = readReceipt("003");
  // Wrong content types.
  for (const type of [
    "text/plain",
    "application/xml",
    "application/x-www-form-urlencoded",
    "image/png",
    "application/octet-stream",
  ]) {
    add({
      name: `chat as ${type}`,
      path: "/v1/chat/completions",
      body: "{}",
      headers: { "content-type": type },
      status: [415],
      code: "unsupported_content_type",
    });
    add({
      name: `ocr as ${type}`,
      path: "/v1/ocr",
      body: new Uint8Array(receipt),
      headers: { "content-type": type },
      status: [415],
      code: "unsupported_content_type",
    });
  }
  add({
    name: "multipart without a boundary",
    path: "/v1/ocr",
    body: "garbage",
    headers: { "content-type": "multipart/form-data" },
    status: [400],
    code: "invalid_multipart",
  });

  // Invalid JSON.
  for (const body of [
    "",
    "{",
    '{"messages": [}',
    "{'a': 1}",
    "NaN",
    '{"a":1,}',
    "\u0000",
    '"just a string"',
    "[]",
    "null",
    "123",
  ]) {
    add({
      name: `chat JSON ${JSON.stringify(body)}`,
      path: "/v1/chat/completions",
      body,
      headers: { "content-type": "application/json" },
      status: [400],
      code: /^invalid_(json|request)$/,
    });
  }
  for (const body of ["", "{", "[1,2", '{"document": }']) {
    add({
      name: `ocr JSON ${JSON.stringify(body)}`,
      path: "/v1/ocr",
      body,
      headers: { "content-type": "application/json" },
      status: [400],
      code: "invalid_json",
    });
  }

  // Invalid chat requests.
  const ok = imagePart("data:image/png;base64,iVBORw0KGgo=");
  for (const [name, body] of [
    ["messages not an array", json({ messages: "hi" })],
    ["empty messages", json({ messages: [] })],
    ["an unknown role", json({ messages: [{ role: "robot", content: "hi" }] })],
    ["an unknown part type", chat([{ type: "audio", audio: {} }])],
    ["image_url without url", chat([{ type: "image_url", image_url: {} }])],
    ["temperature -1", chat(ok, { temperature: -1 })],
    ["top_p 0", chat(ok, { top_p: 0 })],
    ["n = 2", chat(ok, { n: 2 })],
    ["stream as a string", chat(ok, { stream: "yes" })],
    ["negative max_tokens", chat(ok, { max_tokens: -5 })],
    ["model as a number", chat(ok, { model: 123 })],
    ["max_tokens over the cap", chat(ok, { max_tokens: 10_000_000 })],
    ["two images", chat([...ok, ...imagePart("data:image/png;base64,iVBORw0KGgo=")])],
    ["a non-base64 data URL", chat(imagePart("data:image/png,rawbytes"))],
  ] as const) {
    add({
      name: `chat with ${name}`,
      path: "/v1/chat/completions",
      body,
      headers: { "content-type": "application/json" },
      status: [400, 415],
    });
  }
  add({
    name: "chat with an unknown model",
    path: "/v1/chat/completions",
    body: chat(ok, { model: "gpt-5" }),
    headers: { "content-type": "application/json" },
    status: [404],
    code: "model_not_found",
  });

  // Invalid OCR requests and schemas.
  const receiptUrl = `data:image/jpeg;base64,${receipt.toString("base64")}`;
  for (const [name, body, status, code] of [
    ["no document", json({}), 400, "missing_document"],
    ["an unknown document type", mistral({ type: "video_url", video_url: "x" }), 400, undefined],
    ["a file id document", mistral({ type: "file", file_id: "abc" }), 400, "unsupported_document_type"],
    ["image_url as a number", mistral({ type: "image_url", image_url: 5 }), 400, undefined],
    [
      "negative pages",
      mistral({ type: "image_url", image_url: receiptUrl }, { pages: [-1] }),
      400,
      undefined,
    ],
    [
      "pages out of range",
      mistral({ type: "image_url", image_url: receiptUrl }, { pages: [3] }),
      400,
      "page_out_of_range",
    ],
    [
      "unknown task",
      mistral({ type: "image_url", image_url: receiptUrl }, { task: "poetry" }),
      404,
      "unknown_task",
    ],
    [
      "max_tokens over the cap",
      mistral({ type: "image_url", image_url: receiptUrl }, { task: "text", max_tokens: 1_000_000 }),
      400,
      "max_tokens_too_large",
    ],
    [
      "unknown model",
      mistral({ type: "image_url", image_url: receiptUrl }, { model: "gpt-5" }),
      404,
      "model_not_found",
    ],
    [
      "translate to French",
      mistral({ type: "image_url", image_url: receiptUrl }, { task: "translate", target_language: "fr" }),
      400,
      "unsupported_target_language",
    ],
    [
      "fields for the text task",
      mistral({ type: "image_url", image_url: receiptUrl }, { task: "text", fields: ["a"] }),
      400,
      "unknown_variable",
    ],
    [
      "schema with uniqueItems",
      mistral(
        { type: "image_url", image_url: receiptUrl },
        { schema: { type: "object", properties: { a: { type: "array", uniqueItems: true } } } },
      ),
      422,
      "unsupported_schema",
    ],
    [
      "schema with patternProperties",
      mistral(
        { type: "image_url", image_url: receiptUrl },
        { schema: { type: "object", patternProperties: { "^x": { type: "string" } } } },
      ),
      422,
      "unsupported_schema",
    ],
    [
      "schema with an unknown format",
      mistral(
        { type: "image_url", image_url: receiptUrl },
        { schema: { type: "object", properties: { a: { type: "string", format: "color" } } } },
      ),
      422,
      "unsupported_schema",
    ],
    [
      "schema with multipleOf",
      mistral(
        { type: "image_url", image_url: receiptUrl },
        { schema: { type: "object", properties: { a: { type: "number", multipleOf: 5 } } } },
      ),
      422,
      "unsupported_schema",
    ],
    [
      "schema with contains",
      mistral(
        { type: "image_url", image_url: receiptUrl },
        { schema: { type: "object", properties: { a: { type: "array", contains: { type: "string" } } } } },
      ),
      422,
      "unsupported_schema",
    ],
    [
      "schema with propertyNames",
      mistral(
        { type: "image_url", image_url: receiptUrl },
        { schema: { type: "object", propertyNames: { pattern: "^a" } } },
      ),
      422,
      "unsupported_schema",
    ],
    [
      "schema with a misspelt type",
      mistral(
        { type: "image_url", image_url: receiptUrl },
        { schema: { type: "object", properties: { a: { type: "strin" } } } },
      ),
      422,
      "unsupported_schema",
    ],
    [
      "an array schema root",
      mistral({ type: "image_url", image_url: receiptUrl }, { schema: { type: "array" } }),
      422,
      "unsupported_schema",
    ],
    [
      "schema as broken JSON text",
      mistral({ type: "image_url", image_url: receiptUrl }, { schema: "{type: object" }),
      400,
      "invalid_schema",
    ],
    [
      "annotation format json_object",
      mistral(
        { type: "image_url", image_url: receiptUrl },
        { document_annotation_format: { type: "json_object" } },
      ),
      400,
      "invalid_response_format",
    ],
    [
      "a non-base64 data URL",
      mistral({ type: "image_url", image_url: "data:image/png,abc" }),
      400,
      "invalid_data_url",
    ],
    [
      "a data URL of random bytes",
      mistral({
        type: "image_url",
        image_url: `data:image/png;base64,${seededBytes(3, 600).toString("base64")}`,
      }),
      415,
      "unsupported_media_type",
    ],
  ] as const) {
    add({
      name: `ocr with ${name}`,
      path: "/v1/ocr",
      body,
      headers: { "content-type": "application/json" },
      status: [status],
      ...(code ? { code } : {}),
    });
  }

  return cases;
}
