import type { PassThrough } from "node:stream";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readReceipt, receiptPath } from "../support/fixtures.ts";
import { sentPrompt, upstreamBodies } from "../support/ocr-fixtures.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";
import { callTool, resultText } from "./mcp-client.ts";

describe("MCP over stdio (node gateway/mcp/stdio.ts)", () => {
  let emulator: VllmEmulator;
  let client: Client;
  let stderr = "";

  beforeAll(async () => {
    emulator = await VllmEmulator.start();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ["--import", "tsx", "gateway/mcp/stdio.ts"],
      cwd: process.cwd(),
      env: {
        PATH: process.env.PATH ?? "",
        VLLM_URL: emulator.url,
        LOG_LEVEL: "info",
        UPSTREAM_HEALTH_INTERVAL_MS: "0",
      },
      stderr: "pipe",
    });
    const errors = transport.stderr as PassThrough | null;
    errors?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    client = new Client({ name: "gateway-stdio-test", version: "1.0.0" });
    await client.connect(transport);
  }, 30_000);
  afterAll(async () => {
    await client?.close();
    await emulator?.close();
  });
  afterEach(() => emulator.reset());

  it("lists the tools, with `path` described as a local file", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(
      expect.arrayContaining(["read_text", "extract_fields", "parse_document", "translate", "spot_text"]),
    );
    const properties = tools.find((tool) => tool.name === "read_text")?.inputSchema.properties as Record<
      string,
      { description?: string }
    >;
    expect(properties.path?.description).toMatch(/local file/);
  });

  it("read_text reads a receipt given by path and by base64", async () => {
    emulator.script({ text: "TOTAL: 9.00" }, { text: "TOTAL: 9.00" });
    const byPath = await callTool(client, "read_text", { path: receiptPath("000") });
    const byBase64 = await callTool(client, "read_text", { base64: readReceipt("000").toString("base64") });
    expect(resultText(byPath)).toBe("TOTAL: 9.00");
    expect(resultText(byBase64)).toBe("TOTAL: 9.00");
    const [first, second] = upstreamBodies(emulator);
    expect(first && sentPrompt(first)).toBe("提取图中的文字。");
    // The same bytes reached the model both ways.
    expect(JSON.stringify(first?.messages)).toBe(JSON.stringify(second?.messages));
  });

  it("extract_fields returns schema-valid JSON for the keys", async () => {
    const result = await callTool(client, "extract_fields", {
      path: receiptPath("001"),
      keys: ["company", "date", "total"],
    });
    expect(result.isError, resultText(result)).toBeFalsy();
    expect(Object.keys(JSON.parse(resultText(result)) as object).sort()).toEqual([
      "company",
      "date",
      "total",
    ]);
  });

  it("a missing file and bad base64 are tool errors, and the server keeps serving", async () => {
    const missing = await callTool(client, "read_text", { path: "/nonexistent/receipt.jpg" });
    expect(missing.isError).toBe(true);
    expect(resultText(missing)).toMatch(/^Error 400 file_not_found: /);
    const bad = await callTool(client, "read_text", { base64: "%%%" });
    expect(resultText(bad)).toMatch(/^Error 400 invalid_base64: /);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });

  it("writes its logs to stderr as JSON, leaving stdout to MCP", async () => {
    await expect.poll(() => stderr).toContain("ocr gateway MCP server on stdio");
    const lines = stderr.split("\n").filter((line) => line.trim() !== "");
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });
});
