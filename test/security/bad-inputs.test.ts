import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReceipt } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

/**
 * A corpus of hostile and broken requests. Every one must get the right status and a JSON error envelope
 * with a stable snake_case code and no stack trace, must not reach vLLM when the gateway can tell it is
 * bad, and must leave the process answering.
 */

const LIMIT = 2 * 1024 * 1024;
let emulator: VllmEmulator;
let gateway: RunningGateway;
// Started at load time: the case table below needs its address.
const redirector: Server = createServer((req, res) => {
  const targets: Record<string, string> = {
    "/to-loopback": "http://127.0.0.1:1/receipt.jpg",
    "/to-metadata": "http://169.254.169.254/latest/meta-data/iam/",
    "/to-ipv6-loopback": "http://[::1]/x.png",
    "/to-file": "file:///etc/passwd",
  };
  const target = targets[req.url ?? ""];
  if (target) res.writeHead(302, { location: target }).end();
  else res.writeHead(404).end();
});
await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
const redirectBase = `http://localhost:${(redirector.address() as AddressInfo).port}`;

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  gateway = await startGateway({
    VLLM_URL: emulator.url,
    MAX_BODY_BYTES: String(LIMIT),
    FETCH_ALLOWED_PRIVATE_HOSTS: "localhost",
    PDF_MAX_PAGES: "5",
  });
});

afterAll(async () => {
  await gateway.close();
  await emulator.close();
  await new Promise((resolve) => redirector.close(resolve));
});

interface Case {
  name: string;
  path: "/v1/ocr" | "/v1/chat/completions";
  body: BodyInit;
  headers?: Record<string, string>;
  status: number[];
  code?: string | RegExp;
}

const receipt = readReceipt("003");
const json = (value: unknown) => JSON.stringify(value);
const chat = (content: unknown, extra: Record<string, unknown> = {}) =>
  json({ model: "hunyuan-ocr", messages: [{ role: "user", content }], ...extra });
const imagePart = (url: string) => [
  { type: "image_url", image_url: { url } },
  { type: "text", text: "提取图中的文字。" },
];
const upload = (bytes: Uint8Array, fields: Record<string, string> = {}, name = "doc.bin") => {
  const form = new FormData();
  form.set("file", new Blob([new Uint8Array(bytes)]), name);
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  return form;
};
const mistral = (document: unknown, extra: Record<string, unknown> = {}) => json({ document, ...extra });

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
  return Buffer.concat([length, Buffer.from(type), data, crc]);
}

/** A tiny PNG file that declares `width`×`height` pixels: a decompression bomb if anything decoded it. */
function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(Buffer.alloc(1024))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

function seededBytes(seed: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

const cases: Case[] = [];
const add = (entry: Case) => cases.push(entry);

// Truncated and corrupted real receipts.
for (const id of ["000", "001", "002", "004", "005", "006", "007", "008"]) {
  const bytes = readReceipt(id);
  for (const fraction of [0.3, 0.7]) {
    add({
      name: `receipt ${id} truncated at ${fraction * 100}%`,
      path: "/v1/ocr",
      body: upload(new Uint8Array(bytes.subarray(0, Math.floor(bytes.length * fraction)))),
      status: [400],
      code: "invalid_image",
    });
  }
  const scrambled = Buffer.from(bytes);
  scrambled.fill(0x5a, 200, 2_000);
  add({
    name: `receipt ${id} with a scrambled header`,
    path: "/v1/ocr",
    body: upload(scrambled),
    status: [400, 415],
  });
}
for (let seed = 1; seed <= 10; seed++) {
  add({
    name: `random bytes #${seed}`,
    path: "/v1/ocr",
    body: upload(seededBytes(seed, 4096)),
    status: [415],
    code: "unsupported_media_type",
  });
}
add({
  name: "empty file",
  path: "/v1/ocr",
  body: upload(new Uint8Array(0)),
  status: [400],
  code: "empty_file",
});
add({
  name: "a text file",
  path: "/v1/ocr",
  body: upload(Buffer.from("hello, I am text\n".repeat(20)), {}, "a.txt"),
  status: [415],
});
add({
  name: "an HTML file",
  path: "/v1/ocr",
  body: upload(Buffer.from("<!doctype html><html></html>")),
  status: [415],
});
add({
  name: "a zip file",
  path: "/v1/ocr",
  body: upload(Buffer.from([0x50, 0x4b, 0x03, 0x04, ...seededBytes(9, 300)])),
  status: [415],
});
add({
  name: "a corrupt PDF",
  path: "/v1/ocr",
  body: upload(Buffer.from("%PDF-1.7\n1 0 obj <<>> garbage")),
  status: [400],
  code: "invalid_pdf",
});
add({
  name: "a truncated GIF",
  path: "/v1/ocr",
  body: upload(Buffer.from("GIF89a\x10\x00\x10\x00")),
  status: [400, 415],
});

// Decompression bombs.
for (const [width, height] of [
  [30_000, 30_000],
  [100_000, 2_000],
  [65_535, 65_535],
  [20_000, 20_000],
]) {
  add({
    name: `PNG bomb ${width}x${height}`,
    path: "/v1/ocr",
    body: upload(pngBomb(width as number, height as number)),
    status: [413, 400],
  });
}
add({
  name: "PNG with extreme aspect ratio",
  path: "/v1/ocr",
  body: upload(pngBomb(10_000, 10)),
  status: [400],
});

// Oversized bodies.
const huge = Buffer.alloc(LIMIT + 1024, 0x41);
add({
  name: "oversized multipart upload",
  path: "/v1/ocr",
  body: upload(huge),
  status: [413],
  code: "body_too_large",
});
add({
  name: "oversized JSON chat body",
  path: "/v1/chat/completions",
  body: chat("x".repeat(LIMIT + 10)),
  headers: { "content-type": "application/json" },
  status: [413],
  code: "body_too_large",
});
add({
  name: "oversized Mistral JSON",
  path: "/v1/ocr",
  body: mistral({ type: "image_url", image_url: `data:image/png;base64,${"A".repeat(LIMIT)}` }),
  headers: { "content-type": "application/json" },
  status: [413],
});

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
  ["negative pages", mistral({ type: "image_url", image_url: receiptUrl }, { pages: [-1] }), 400, undefined],
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

// SSRF: URLs the gateway must refuse to fetch, directly and after redirects, in both endpoints.
const ssrf = [
  "http://127.0.0.1/a.png",
  "http://127.1/a.png",
  "http://2130706433/a.png",
  "http://0x7f000001/a.png",
  "http://0.0.0.0/a.png",
  "http://[::1]/a.png",
  "http://[::ffff:127.0.0.1]/a.png",
  "http://169.254.169.254/latest/meta-data/",
  "http://[fd00:ec2::254]/latest/meta-data/",
  "http://10.0.0.8/a.png",
  "http://172.16.3.4/a.png",
  "http://192.168.1.1/a.png",
  "http://100.64.0.1/a.png",
  "http://metadata.localhost/a.png",
];
for (const url of ssrf) {
  add({
    name: `ocr document_url ${url}`,
    path: "/v1/ocr",
    body: mistral({ type: "document_url", document_url: url }),
    headers: { "content-type": "application/json" },
    status: [403],
    code: "url_not_allowed",
  });
  add({
    name: `chat image_url ${url}`,
    path: "/v1/chat/completions",
    body: chat(imagePart(url)),
    headers: { "content-type": "application/json" },
    status: [403],
    code: "url_not_allowed",
  });
}
for (const hop of ["/to-loopback", "/to-metadata", "/to-ipv6-loopback"]) {
  add({
    name: `ocr redirect ${hop}`,
    path: "/v1/ocr",
    body: mistral({ type: "image_url", image_url: `${redirectBase}${hop}` }),
    headers: { "content-type": "application/json" },
    status: [403],
    code: "url_not_allowed",
  });
  add({
    name: `chat redirect ${hop}`,
    path: "/v1/chat/completions",
    body: chat(imagePart(`${redirectBase}${hop}`)),
    headers: { "content-type": "application/json" },
    status: [403],
    code: "url_not_allowed",
  });
}
add({
  name: "ocr redirect to file://",
  path: "/v1/ocr",
  body: mistral({ type: "image_url", image_url: `${redirectBase}/to-file` }),
  headers: { "content-type": "application/json" },
  status: [400],
  code: "invalid_url",
});
for (const url of [
  "file:///etc/passwd",
  "ftp://example.com/a.png",
  "gopher://example.com/",
  "javascript:alert(1)",
  "//example.com/a.png",
]) {
  add({
    name: `ocr ${url}`,
    path: "/v1/ocr",
    body: mistral({ type: "document_url", document_url: url }),
    headers: { "content-type": "application/json" },
    status: [400],
    code: "invalid_url",
  });
}

describe("bad input corpus", () => {
  it("has at least 100 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
  });

  it.each(cases.map((entry) => [entry.name, entry] as const))("%s", async (_name, entry) => {
    const before = emulator.chatRequests.length;
    const response = await fetch(`${gateway.url}${entry.path}`, {
      method: "POST",
      body: entry.body,
      ...(entry.headers ? { headers: entry.headers } : {}),
    });
    const text = await response.text();
    expect(entry.status, `${response.status} ${text.slice(0, 300)}`).toContain(response.status);
    const body = JSON.parse(text) as {
      error: { message: string; type: string; code: string; param: unknown };
    };
    expect(body.error.code).toMatch(/^[a-z][a-z0-9_]*$/);
    if (entry.code !== undefined)
      expect(body.error.code).toMatch(
        entry.code instanceof RegExp ? entry.code : new RegExp(`^${entry.code}$`),
      );
    expect(typeof body.error.message).toBe("string");
    expect(body.error.message).not.toMatch(/\n\s+at /);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    if (response.status !== 404 || entry.code === "model_not_found")
      expect(emulator.chatRequests.length).toBe(before);
  });

  it("left the gateway alive and serving", async () => {
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    const form = upload(receipt, { task: "text" }, "receipt.jpg");
    const response = await fetch(`${gateway.url}/v1/ocr`, { method: "POST", body: form });
    expect(response.status).toBe(200);
  });
});
