import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReceipt, receiptDataUrl } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

let emulator: VllmEmulator;
let gateway: RunningGateway;

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  gateway = await startGateway({ VLLM_URL: emulator.url, API_KEYS: "sk-live-very-secret-key" });
});
afterAll(async () => {
  await gateway.close();
  await emulator.close();
});

const auth = { authorization: "Bearer sk-live-very-secret-key" };

describe("structured logs", () => {
  it("write one JSON line per request with the caller's request id, and none of the secrets or content", async () => {
    emulator.script({ text: "PATIENT NAME: JANE DOE-SECRET" });
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(readReceipt("000"))]), "scan.jpg");
    const ocr = await fetch(`${gateway.url}/v1/ocr?signature=query-secret-123`, {
      method: "POST",
      headers: { ...auth, "x-request-id": "trace-abc-123" },
      body: form,
    });
    expect(ocr.status).toBe(200);
    expect(ocr.headers.get("x-request-id")).toBe("trace-abc-123");
    expect(((await ocr.json()) as { text: string }).text).toContain("JANE DOE-SECRET");

    const dataUrl = receiptDataUrl("001");
    await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url: dataUrl } },
              { type: "text", text: "x" },
            ],
          },
        ],
      }),
    });
    await fetch(`${gateway.url}/v1/ocr`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        document: {
          type: "document_url",
          document_url: "http://10.0.0.1/doc.pdf?X-Amz-Signature=url-secret-456",
        },
      }),
    });

    const line = gateway.logs.find((entry) => entry.requestId === "trace-abc-123" && entry.msg === "request");
    expect(line).toMatchObject({ method: "POST", path: "/v1/ocr", status: 200, task: "text" });
    const raw = gateway.rawLogs();
    for (const secret of [
      "sk-live-very-secret-key",
      "query-secret-123",
      "url-secret-456",
      "JANE DOE-SECRET",
      dataUrl.slice(40, 120),
    ]) {
      expect(raw).not.toContain(secret);
    }
  });

  it("generates a request id when the caller sends none or an unsafe one", async () => {
    const first = await fetch(`${gateway.url}/health`);
    expect(first.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await fetch(`${gateway.url}/health`, {
      headers: { "x-request-id": "bad id\twith spaces" },
    });
    expect(unsafe.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
