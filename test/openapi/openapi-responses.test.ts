import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiptDataUrl } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { receiptUpload } from "../support/ocr-fixtures.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";
import { createResponseValidator, type RecordedResponse } from "./support/response-validator.ts";

const KEY = "sk-contract";
const auth = { authorization: `Bearer ${KEY}` };
const jsonHeaders = { ...auth, "content-type": "application/json" };
const mcpHeaders = { ...jsonHeaders, accept: "application/json, text/event-stream" };

let emulator: VllmEmulator;
let gateway: RunningGateway;
const recorded: Array<RecordedResponse & { base: string }> = [];

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  gateway = await startGateway({
    VLLM_URL: emulator.url,
    API_KEYS: KEY,
    MAX_BODY_BYTES: String(2 * 1024 * 1024),
    UPSTREAM_RETRIES: "0",
    UPSTREAM_HEALTH_INTERVAL_MS: "0",
    WEB_UI: "false",
    LOG_LEVEL: "silent",
    // OCR pages then carry `rotation`, so the contract is checked with it.
    AUTO_ROTATE: "on",
  });
});
afterAll(async () => {
  await gateway?.close();
  await emulator?.close();
});

/** Calls `base + path` and records the answer under the OpenAPI path template `template`. */
async function call(
  base: string,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: BodyInit; template?: string } = {},
): Promise<RecordedResponse> {
  const response = await fetch(`${base}${path}`, {
    method: method.toUpperCase(),
    headers: init.headers ?? auth,
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const answer = {
    base,
    method,
    path: init.template ?? path,
    status: response.status,
    headers: response.headers,
    body: await response.text(),
  };
  recorded.push(answer);
  return answer;
}

/**
 * The problems of every answer recorded from `base`, checked against the document that same gateway serves
 * (its configuration, e.g. rate limiting, changes what it declares).
 */
async function nonConforming(base: string): Promise<string[]> {
  const document = (await (await fetch(`${base}/openapi.json`)).json()) as Record<string, unknown>;
  const validate = createResponseValidator(document);
  return recorded.filter((answer) => answer.base === base).flatMap(validate);
}

function receiptForm(fields: Record<string, string>): FormData {
  const form = new FormData();
  const { bytes, name, type } = receiptUpload("000");
  form.append("file", new Blob([new Uint8Array(bytes)], { type: type ?? "image/jpeg" }), name);
  for (const [field, value] of Object.entries(fields)) form.append(field, value);
  return form;
}

const json = (value: unknown) => JSON.stringify(value);
const imageMessage = (url: string) => [
  {
    role: "user",
    content: [
      { type: "image_url", image_url: { url } },
      { type: "text", text: "OCR" },
    ],
  },
];

describe("the gateway's real answers against its own /openapi.json", () => {
  it("answers every route with a declared status, content type and body (successes and errors)", async () => {
    const base = gateway.url;
    const statuses = async (answers: Array<Promise<RecordedResponse>>) =>
      (await Promise.all(answers)).map((answer) => answer.status);

    // Operations.
    expect(
      await statuses([
        call(base, "get", "/health"),
        call(base, "get", "/ready"),
        call(base, "get", "/metrics"),
        call(base, "get", "/openapi.json"),
        call(base, "get", "/docs"),
        call(base, "get", "/v1/models"),
        call(base, "get", "/v1/models/hunyuan-ocr", { template: "/v1/models/{id}" }),
        call(base, "get", "/v1/models/no-such-model", { template: "/v1/models/{id}" }),
        call(base, "get", "/v1/tasks"),
        call(base, "get", "/v1/tasks", { headers: {} }),
        call(base, "get", "/no-such-route"),
      ]),
    ).toEqual([200, 200, 200, 200, 200, 200, 200, 404, 200, 401, 404]);

    // /v1/ocr: one at a time, as the emulator answers in script order.
    emulator.script({ text: "TOTAL 9.00" });
    expect((await call(base, "post", "/v1/ocr", { body: receiptForm({ task: "text" }) })).status).toBe(200);
    emulator.script({ tokens: ["TOTAL 9.00(100,800),(600,840)"] });
    const spotted = await call(base, "post", "/v1/ocr", {
      headers: jsonHeaders,
      body: json({ document: { type: "image_url", image_url: receiptDataUrl("000") }, task: "spotting" }),
    });
    expect(spotted.status).toBe(200);
    expect(JSON.parse(spotted.body).pages[0].boxes).toHaveLength(1);
    emulator.script({ text: '{"total": "9.00"}' });
    const fields = await call(base, "post", "/v1/ocr", { body: receiptForm({ fields: "total" }) });
    expect(JSON.parse(fields.body).fields).toEqual({ total: "9.00" });
    emulator.script({ text: "TOTAL 9.00" });
    const streamed = await call(base, "post", "/v1/ocr", { body: receiptForm({ stream: "true" }) });
    expect(streamed.headers.get("content-type")).toMatch(/^text\/event-stream/);
    // A 500 with a message is about the request (502); an empty one is vLLM's engine dying (503, retry later).
    emulator.script({ httpError: { status: 500, rawBody: "Internal Server Error" } });
    expect((await call(base, "post", "/v1/ocr", { body: receiptForm({}) })).status).toBe(502);
    emulator.script({ httpError: { status: 500 } });
    expect((await call(base, "post", "/v1/ocr", { body: receiptForm({}) })).status).toBe(503);

    expect(
      await statuses([
        call(base, "post", "/v1/ocr", { headers: jsonHeaders, body: "{not json" }),
        call(base, "post", "/v1/ocr", { headers: { "content-type": "application/json" }, body: "{}" }),
        call(base, "post", "/v1/ocr", {
          headers: jsonHeaders,
          body: json({ document: { type: "document_url", document_url: "http://127.0.0.1/report.pdf" } }),
        }),
        call(base, "post", "/v1/ocr", { body: receiptForm({ task: "no-such-task" }) }),
        call(base, "delete", "/v1/ocr"),
        call(base, "post", "/v1/ocr", { headers: jsonHeaders, body: "x".repeat(3 * 1024 * 1024) }),
        call(base, "post", "/v1/ocr", { headers: { ...auth, "content-type": "text/plain" }, body: "hi" }),
        call(base, "post", "/v1/ocr", {
          body: receiptForm({
            task: "fields",
            schema: json({ type: "object", properties: { total: { type: "number", multipleOf: 0.01 } } }),
          }),
        }),
      ]),
    ).toEqual([400, 401, 403, 404, 405, 413, 415, 422]);

    // /v1/chat/completions.
    emulator.script({ text: "TOTAL 9.00" });
    const chat = await call(base, "post", "/v1/chat/completions", {
      headers: jsonHeaders,
      body: json({ messages: imageMessage(receiptDataUrl("000")) }),
    });
    expect(chat.status).toBe(200);
    expect(
      await statuses([
        call(base, "post", "/v1/chat/completions", { headers: jsonHeaders, body: json({ messages: 1 }) }),
        call(base, "post", "/v1/chat/completions", {
          headers: jsonHeaders,
          body: json({ messages: imageMessage("http://169.254.169.254/latest/meta-data.png") }),
        }),
        call(base, "post", "/v1/chat/completions", {
          headers: jsonHeaders,
          body: json({ model: "gpt-4o", messages: imageMessage(receiptDataUrl("000")) }),
        }),
        call(base, "get", "/v1/chat/completions"),
        call(base, "post", "/v1/chat/completions", {
          headers: { ...auth, "content-type": "text/plain" },
          body: "hi",
        }),
      ]),
    ).toEqual([400, 403, 404, 405, 415]);

    // /mcp: the transport's own JSON-RPC errors, and the gateway's envelope for auth and size.
    const initialize = json({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    expect(
      await statuses([
        call(base, "post", "/mcp", { headers: mcpHeaders, body: initialize }),
        call(base, "post", "/mcp", {
          headers: mcpHeaders,
          body: json({ jsonrpc: "2.0", method: "notifications/initialized" }),
        }),
        call(base, "post", "/mcp", { headers: mcpHeaders, body: "{not json" }),
        call(base, "post", "/mcp", { headers: mcpHeaders, body: json({ hello: "world" }) }),
        call(base, "post", "/mcp", { headers: jsonHeaders, body: initialize }),
        call(base, "post", "/mcp", {
          headers: { ...mcpHeaders, "content-type": "text/plain" },
          body: initialize,
        }),
        call(base, "post", "/mcp", {
          headers: { ...mcpHeaders, authorization: "Bearer wrong" },
          body: initialize,
        }),
        call(base, "post", "/mcp", { headers: mcpHeaders, body: "x".repeat(3 * 1024 * 1024) }),
        call(base, "get", "/mcp"),
        call(base, "delete", "/mcp"),
      ]),
    ).toEqual([200, 202, 400, 400, 406, 415, 401, 413, 405, 405]);
    expect(await nonConforming(base)).toEqual([]);
  });

  it("answers the job routes, an archive job's file included, as declared", async () => {
    const base = gateway.url;
    const jobPath = "/v1/ocr/jobs/{id}";
    emulator.script({ text: "TOTAL 9.00(100,800),(600,840)", firstTokenDelayMs: 1_000 });
    const created = await call(base, "post", "/v1/ocr/jobs", { body: receiptForm({ output_format: "pdf" }) });
    expect(created.status).toBe(202);
    const id = JSON.parse(created.body).id as string;
    const early = await call(base, "get", `/v1/ocr/jobs/${id}/content`, { template: `${jobPath}/content` });
    expect(early.status).toBe(409);
    for (let tries = 0; ; tries++) {
      const job = await fetch(`${base}/v1/ocr/jobs/${id}`, { headers: auth });
      if (((await job.json()) as { status: string }).status === "completed") break;
      if (tries > 600) throw new Error("the job did not complete");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const retrieved = await call(base, "get", `/v1/ocr/jobs/${id}`, { template: jobPath });
    expect(JSON.parse(retrieved.body).output.format).toBe("pdf");
    const file = await call(base, "get", `/v1/ocr/jobs/${id}/content`, { template: `${jobPath}/content` });
    expect([file.status, file.headers.get("content-type")]).toEqual([200, "application/pdf"]);
    const missing = await call(base, "get", "/v1/ocr/jobs/ocrjob_none/content", {
      template: `${jobPath}/content`,
    });
    expect(missing.status).toBe(404);
    expect(await nonConforming(base)).toEqual([]);
  });

  it("answers 429 with retry-after when rate limited, and 503 when no model server answers", async () => {
    const limited = await startGateway({
      VLLM_URL: emulator.url,
      API_KEYS: KEY,
      RATE_LIMIT_PER_MINUTE: "1",
      UPSTREAM_HEALTH_INTERVAL_MS: "0",
      LOG_LEVEL: "silent",
    });
    // A port that was free a moment ago: nothing listens there.
    const gone = await VllmEmulator.start();
    const goneUrl = gone.url;
    await gone.close();
    const orphan = await startGateway({
      VLLM_URL: goneUrl,
      UPSTREAM_RETRIES: "0",
      UPSTREAM_HEALTH_INTERVAL_MS: "0",
      LOG_LEVEL: "silent",
    });
    try {
      expect((await call(limited.url, "get", "/v1/tasks")).status).toBe(200);
      const refused = await call(limited.url, "get", "/v1/tasks");
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
      expect((await call(orphan.url, "get", "/ready", { headers: {} })).status).toBe(503);
      const ocr = await call(orphan.url, "post", "/v1/ocr", { headers: {}, body: receiptForm({}) });
      expect(ocr.status).toBe(503);
      expect(await nonConforming(limited.url)).toEqual([]);
      expect(await nonConforming(orphan.url)).toEqual([]);
    } finally {
      await limited.close();
      await orphan.close();
    }
  });

  it("answers 501 (and the engine's own model id) on the embedded engine", async () => {
    const embedded = await startGateway({ LOG_LEVEL: "silent" });
    try {
      const refused = await call(embedded.url, "post", "/v1/ocr", {
        headers: {},
        body: receiptForm({ task: "fields", fields: "total" }),
      });
      expect(refused.status).toBe(501);
      // The engine's Markdown with its line scores (`text_lines`, `confidence`) fits the documented page.
      const laidOut = await call(embedded.url, "post", "/v1/ocr", {
        headers: {},
        body: receiptForm({ task: "document" }),
      });
      expect(laidOut.status).toBe(200);
      expect(JSON.parse(laidOut.body).pages[0].text_lines.length).toBeGreaterThan(0);
      expect((await call(embedded.url, "get", "/v1/tasks", { headers: {} })).status).toBe(200);
      const models = await call(embedded.url, "get", "/v1/models", { headers: {} });
      expect(JSON.parse(models.body).data[0].id).toMatch(/^embedded:/);
      expect(await nonConforming(embedded.url)).toEqual([]);
    } finally {
      await embedded.close();
    }
  }, 60_000);

  it("covered every status the brief names", () => {
    expect(recorded.length).toBeGreaterThan(40);
    const covered = new Set(recorded.map((answer) => answer.status));
    for (const status of [400, 401, 403, 404, 405, 406, 413, 415, 422, 429, 501, 502, 503]) {
      expect(covered, `status ${status}`).toContain(status);
    }
  });

  it("the validator catches an undeclared status and a body that does not match", async () => {
    const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as Record<string, unknown>;
    const validate = createResponseValidator(document);
    const headers = new Headers({ "content-type": "application/json", "x-request-id": "r" });
    expect(validate({ method: "get", path: "/health", status: 418, headers, body: "{}" })).toEqual([
      "GET /health: status 418 is not declared",
    ]);
    const wrong = validate({ method: "get", path: "/health", status: 200, headers, body: '{"status":1}' });
    expect(wrong[0]).toMatch(/body does not match/);
  });
});
