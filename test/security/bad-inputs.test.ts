import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReceipt } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";
import { fileCases } from "./corpus/file-cases.ts";
import { upload } from "./corpus/request-builders.ts";
import { requestCases } from "./corpus/request-cases.ts";
import { urlCases } from "./corpus/url-cases.ts";

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

const cases = [...fileCases(LIMIT), ...requestCases(), ...urlCases(redirectBase)];
const receipt = readReceipt("003");

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
