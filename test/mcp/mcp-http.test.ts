import { createServer } from "node:net";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readReceipt } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import {
  buildReceiptPdf,
  type ErrorBody,
  sentImage,
  sentPrompt,
  upstreamBodies,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";
import { callTool, connectHttpClient, resultText } from "./mcp-client.ts";

const receiptBase64 = () => readReceipt("000").toString("base64");

/** A JSON-RPC `tools/call` request, for tests that talk to `/mcp` with plain fetch. */
function toolCall(name: string, args: Record<string, unknown>, id = 1) {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } };
}

describe("MCP over Streamable HTTP", () => {
  const bed = useOcrGateway({ MAX_BODY_BYTES: String(1024 * 1024) });
  let client: Client;
  beforeAll(async () => {
    client = await connectHttpClient(bed.gateway.url);
  });
  afterAll(() => client.close());

  it("lists the OCR tools, without `path` over HTTP, each declaring the /v1/ocr answer as its output", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      "extract_fields",
      "parse_document",
      "read_text",
      "spot_text",
      "translate",
    ]);
    const readText = tools.find((tool) => tool.name === "read_text");
    const properties = readText?.inputSchema.properties as Record<string, { description?: string }>;
    expect(Object.keys(properties)).toEqual(expect.arrayContaining(["url", "base64", "mime_type", "pages"]));
    for (const tool of tools) {
      expect(Object.keys(tool.inputSchema.properties ?? {})).not.toContain("path");
      expect(tool.outputSchema?.required).toEqual(expect.arrayContaining(["object", "model", "pages"]));
    }
    expect(readText?.annotations?.readOnlyHint).toBe(true);
  });

  it("declares /v1/ocr's defaults: no argument is required that /v1/ocr defaults", async () => {
    const { tools } = await client.listTools();
    const tasks = (await (await fetch(`${bed.gateway.url}/v1/tasks`)).json()) as {
      data: Array<{
        name: string;
        default_language: string;
        variables: Array<{ name: string; default?: unknown }>;
      }>;
    };
    const taskOf: Record<string, string> = {
      read_text: "text",
      extract_fields: "fields",
      parse_document: "document",
      translate: "translate",
      spot_text: "spotting",
    };
    for (const tool of tools) {
      const task = tasks.data.find((candidate) => candidate.name === taskOf[tool.name]);
      const properties = (tool.inputSchema.properties ?? {}) as Record<string, { default?: unknown }>;
      for (const variable of task?.variables ?? []) {
        const property = properties[variable.name];
        if (property == null || variable.default === undefined) continue;
        expect(property.default, `${tool.name}.${variable.name}`).toEqual(variable.default);
        expect(tool.inputSchema.required ?? []).not.toContain(variable.name);
      }
      if (properties.prompt_language) expect(properties.prompt_language.default).toBe(task?.default_language);
    }
    const translate = tools.find((tool) => tool.name === "translate");
    expect(
      (translate?.inputSchema.properties?.target_language as { default?: unknown } | undefined)?.default,
    ).toBe("en");
  });

  it("read_text reads a base64 receipt: the model's text comes back, the image went upstream", async () => {
    bed.emulator.script({ text: "BOOK TA .K\nTOTAL: 9.00" });
    const result = await callTool(client, "read_text", { base64: receiptBase64(), mime_type: "image/jpeg" });
    expect(result.isError).toBeFalsy();
    expect(resultText(result)).toBe("BOOK TA .K\nTOTAL: 9.00");
    expect(result.structuredContent).toMatchObject({
      object: "ocr",
      task: "text",
      text: "BOOK TA .K\nTOTAL: 9.00",
    });
    const [sent] = upstreamBodies(bed.emulator);
    expect(sent && sentPrompt(sent)).toBe("提取图中的文字。");
    expect(sent && (await sentImage(sent)).format).toBe("jpeg");
  });

  it("names the lines read with low confidence, and returns every score in structuredContent", async () => {
    const tokens = ["TOTAL", " 9.00", "\n", "CA", "SH", " 10.00"];
    const logprobs = [-0.01, -0.01, -0.01, -2.5, -2, -0.01];
    bed.emulator.script({ tokens, logprobs });
    const read = await callTool(client, "read_text", { base64: receiptBase64(), mime_type: "image/jpeg" });
    expect(resultText(read)).toBe(
      'TOTAL 9.00\nCASH 10.00\n\n[read with low confidence (below 60%): "CASH 10.00" (22%)]',
    );
    const page = (read.structuredContent as { pages: Array<Record<string, unknown>> }).pages[0];
    expect(page?.text_lines).toEqual([
      { text: "TOTAL 9.00", confidence: 0.99 },
      { text: "CASH 10.00", confidence: 0.222 },
    ]);
    expect(page?.confidence).toEqual(expect.any(Number));
    bed.emulator.script({
      tokens: ["TOTAL", "(100,200),(500,240)", "CASH", "(100,300),(500,340)"],
      logprobs: [-0.01, -0.01, -1.5, -0.01],
    });
    const spotted = await callTool(client, "spot_text", { base64: receiptBase64(), mime_type: "image/jpeg" });
    const [lines] = JSON.parse(resultText(spotted)) as Array<{ lines: Array<{ confidence?: number }> }>;
    expect(lines?.lines.map((line) => line.confidence)).toEqual([0.99, 0.223]);
  });

  it("extract_fields with keys answers the fields as JSON, constrained by a schema upstream", async () => {
    const result = await callTool(client, "extract_fields", {
      base64: receiptBase64(),
      keys: ["company", "total"],
    });
    expect(result.isError, resultText(result)).toBeFalsy();
    const fields = JSON.parse(resultText(result)) as Record<string, unknown>;
    expect(Object.keys(fields).sort()).toEqual(["company", "total"]);
    expect(typeof fields.total).toBe("string");
    expect(result.structuredContent).toMatchObject({ task: "fields", fields });
    const [sent] = upstreamBodies(bed.emulator);
    expect(JSON.stringify(sent)).toContain('"company"');
    expect(sent?.response_format ?? sent?.structured_outputs).toBeDefined();
  });

  it("reads the selected pages of a PDF and reports progress per page", async () => {
    bed.emulator.script({ text: "first" }, { text: "third" });
    const pdf = Buffer.from(await buildReceiptPdf(3)).toString("base64");
    const progress: Array<{ progress: number; total?: number | undefined }> = [];
    const result = await callTool(
      client,
      "read_text",
      { base64: pdf, pages: [0, 2] },
      { onprogress: (update) => progress.push(update) },
    );
    expect(result.isError, resultText(result)).toBeFalsy();
    expect(upstreamBodies(bed.emulator)).toHaveLength(2);
    expect(resultText(result)).toMatch(/^\[page 0\]\n\w+\n\n\[page 2\]\n\w+$/);
    expect(progress.map((update) => [update.progress, update.total])).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it("bad base64 is a tool error naming the code, and nothing goes upstream", async () => {
    const result = await callTool(client, "read_text", { base64: "this is not base64!" });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/^Error 400 invalid_base64: /);
    expect(bed.emulator.chatRequests).toHaveLength(0);
  });

  it("a URL on a private address is refused (SSRF), as a tool error", async () => {
    const result = await callTool(client, "read_text", { url: "http://127.0.0.1:9/receipt.jpg" });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/^Error 403 url_not_allowed: /);
  });

  it("refuses `path` over HTTP with a tool error saying what to send instead", async () => {
    const result = await callTool(client, "read_text", { path: "/etc/passwd" });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/local_files_not_allowed: .*send the file as `base64`/);
  });

  it("needs exactly one document argument", async () => {
    const none = await callTool(client, "read_text", {});
    expect(resultText(none)).toMatch(/invalid_document: .*exactly one of `url`, `base64`; got none/);
    const both = await callTool(client, "read_text", { url: "https://example.com/a.png", base64: "AAAA" });
    expect(resultText(both)).toMatch(/got `url` and `base64`/);
  });

  it("rejects arguments the schema forbids (translate to French) before any work", async () => {
    const result = await callTool(client, "translate", { base64: receiptBase64(), target_language: "fr" });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/target_language/);
    expect(bed.emulator.chatRequests).toHaveLength(0);
  });

  it("cancelling a call (notifications/cancelled, in its own POST) aborts the model request upstream", async () => {
    bed.emulator.script({ hang: true });
    const abort = new AbortController();
    const call = client.callTool({ name: "read_text", arguments: { base64: receiptBase64() } }, undefined, {
      signal: abort.signal,
    });
    await expect.poll(() => bed.emulator.chatRequests.length).toBe(1);
    abort.abort("user gave up");
    await expect(call).rejects.toThrow(/user gave up/);
    await bed.emulator.waitForAbort();
  });

  it("a client that disconnects mid-call aborts the model request upstream", async () => {
    bed.emulator.script({ hang: true });
    const abort = new AbortController();
    const response = await fetch(`${bed.gateway.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify(toolCall("read_text", { base64: receiptBase64() })),
      signal: abort.signal,
    });
    await expect.poll(() => bed.emulator.chatRequests.length).toBe(1);
    abort.abort();
    await expect(response.text()).rejects.toThrow();
    await bed.emulator.waitForAbort();
  });

  it("answers a body that is not JSON with a JSON-RPC parse error, and an oversized one with 413", async () => {
    const post = (body: string) =>
      fetch(`${bed.gateway.url}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body,
      });
    const garbled = await post("{not json");
    expect(garbled.status).toBe(400);
    expect(await garbled.json()).toMatchObject({ jsonrpc: "2.0", error: { code: -32700 } });
    const huge = await post(JSON.stringify(toolCall("read_text", { base64: "A".repeat(2 * 1024 * 1024) })));
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as ErrorBody).error.code).toBe("body_too_large");
  });

  it("answers GET /mcp with 405 (stateless: no standalone stream)", async () => {
    const response = await fetch(`${bed.gateway.url}/mcp`, { headers: { accept: "text/event-stream" } });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("tags the HTTP request with its id and the task in the access log", async () => {
    const response = await fetch(`${bed.gateway.url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "x-request-id": "mcp-log-test",
      },
      body: JSON.stringify(toolCall("read_text", { base64: receiptBase64() })),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("mcp-log-test");
    expect(await response.text()).toContain('"result"');
    const line = bed.gateway.logs.find((log) => log.requestId === "mcp-log-test" && log.msg === "request");
    expect(line).toMatchObject({ path: "/mcp", status: 200, task: "text" });
    expect(upstreamBodies(bed.emulator)[0]?.messages).toBeDefined();
  });
});

describe("MCP over HTTP with API keys", () => {
  let emulator: VllmEmulator;
  let gateway: RunningGateway;
  beforeAll(async () => {
    emulator = await VllmEmulator.start();
    gateway = await startGateway({ VLLM_URL: emulator.url, API_KEYS: "sk-mcp-test" });
  });
  afterAll(async () => {
    await gateway.close();
    await emulator.close();
  });
  afterEach(() => emulator.reset());

  it("answers 401 without a key, in the gateway's error envelope", async () => {
    const response = await fetch(`${gateway.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorBody).error.type).toBe("authentication_error");
    await expect(connectHttpClient(gateway.url)).rejects.toThrow();
  });

  it("works with the key as a bearer token or as x-api-key", async () => {
    for (const headers of [{ authorization: "Bearer sk-mcp-test" }, { "x-api-key": "sk-mcp-test" }]) {
      emulator.script({ text: "TOTAL: 9.00" });
      const client = await connectHttpClient(gateway.url, headers);
      const result = await callTool(client, "read_text", { base64: receiptBase64() });
      expect(resultText(result)).toBe("TOTAL: 9.00");
      await client.close();
    }
  });
});

describe("MCP_ENABLED=false", () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    // An address nothing listens on: the gateway starts without contacting vLLM.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    gateway = await startGateway({
      VLLM_URL: `http://127.0.0.1:${port}`,
      MCP_ENABLED: "false",
      UPSTREAM_HEALTH_INTERVAL_MS: "0",
    });
  });
  afterAll(() => gateway.close());

  it("leaves /mcp unrouted (404 route_not_found)", async () => {
    const response = await fetch(`${gateway.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorBody).error.code).toBe("route_not_found");
  });
});
