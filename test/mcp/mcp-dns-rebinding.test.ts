import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

let emulator: VllmEmulator;
let gateway: RunningGateway;

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  gateway = await startGateway({
    VLLM_URL: emulator.url,
    MCP_ALLOWED_ORIGINS: "https://app.example",
    MCP_ALLOWED_HOSTS: "ocr.internal:8000,localhost:8000",
  });
});
afterAll(async () => {
  await gateway.close();
  await emulator.close();
});

async function listTools(headers: Record<string, string>): Promise<number> {
  const response = await request(`${gateway.url}/mcp`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  await response.body.dump();
  return response.statusCode;
}

describe("MCP DNS-rebinding protection", () => {
  it("refuses Host headers and browser Origins that are not allow-listed", async () => {
    expect(await listTools({ host: "ocr.internal:8000" })).toBe(200);
    expect(await listTools({ host: "ocr.internal:8000", origin: "https://app.example" })).toBe(200);
    // A rebinding page reaches the gateway under the attacker's host name and origin.
    expect(await listTools({ host: "evil.example:8000", origin: "http://evil.example:8000" })).toBe(403);
    expect(await listTools({ host: "ocr.internal:8000", origin: "http://evil.example" })).toBe(403);
    expect(emulator.chatRequests).toHaveLength(0);
  });
});
