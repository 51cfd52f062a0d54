import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { receiptDataUrl } from "../support/fixtures.ts";
import { lacks, requireCommand } from "../support/system-tools.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";
import {
  answersOk,
  freePort,
  type SpawnedProcess,
  spawnService,
  waitUntil,
} from "./support/child-processes.ts";
import { writeNginxTestConfig } from "./support/nginx-config.ts";

const MAX_BODY_BYTES = 52_428_800;
const NGINX_REQUEST_ID = /^[0-9a-f]{32}$/;

let emulator: VllmEmulator;
let gateway: SpawnedProcess;
let nginx: SpawnedProcess;
let prefix: string;
let baseUrl: string;
let tlsUrl: string;
let tlsAgent: Agent;

/** A valid OCR chat request padded with an unknown field (passed through to vLLM) to `totalBytes`. */
function paddedChatBody(totalBytes: number, extra: Record<string, unknown> = {}): string {
  const body = {
    model: "hunyuan-ocr",
    messages: [
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: receiptDataUrl("000") } },
          { type: "text", text: "提取图中的文字。" },
        ],
      },
    ],
    max_tokens: 64,
    ...extra,
    padding: "",
  };
  const overhead = Buffer.byteLength(JSON.stringify(body));
  return JSON.stringify({ ...body, padding: "x".repeat(Math.max(0, totalBytes - overhead)) });
}

beforeAll(async () => {
  const nginxBinary = requireCommand("nginx", "nginx");
  requireCommand("openssl", "openssl");
  prefix = mkdtempSync(path.join(tmpdir(), "ocr-nginx-"));

  emulator = await VllmEmulator.start();
  const gatewayPort = await freePort();
  gateway = spawnService(
    process.execPath,
    ["--import", "tsx", "gateway/server.ts", "--port", String(gatewayPort), "--host", "127.0.0.1"],
    { VLLM_URL: emulator.url, LOG_LEVEL: "warn" },
  );
  await waitUntil("gateway", () => answersOk(`http://127.0.0.1:${gatewayPort}/health`), gateway, 20_000);

  const certDir = path.join(prefix, "certs");
  mkdirSync(certDir);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      path.join(certDir, "privkey.pem"),
      "-out",
      path.join(certDir, "fullchain.pem"),
    ],
    { stdio: "pipe", env: { ...process.env, OPENSSL_CONF: "/dev/null" } },
  );
  const httpPort = await freePort();
  const tlsPort = await freePort();
  const configFile = writeNginxTestConfig({
    prefix,
    gatewayAddress: `127.0.0.1:${gatewayPort}`,
    httpPort,
    tls: { port: tlsPort, certDir },
  });

  const args = ["-p", prefix, "-e", path.join(prefix, "error.log"), "-c", configFile];
  execFileSync(nginxBinary, [...args, "-t"], { stdio: "pipe" });
  nginx = spawnService(nginxBinary, args);
  baseUrl = `http://127.0.0.1:${httpPort}`;
  tlsUrl = `https://127.0.0.1:${tlsPort}`;
  await waitUntil("nginx", () => answersOk(`${baseUrl}/health`), nginx);
  tlsAgent = new Agent({ connect: { ca: readFileSync(path.join(certDir, "fullchain.pem")) } });
}, 40_000);

afterAll(async () => {
  await nginx?.stop();
  await gateway?.stop();
  await emulator?.close();
  await tlsAgent?.close();
  if (prefix !== undefined) rmSync(prefix, { recursive: true, force: true });
});

afterEach(() => emulator.reset());

describe.skipIf(lacks("nginx", "openssl"))("nginx in front of the gateway", () => {
  it("passes a 20 MB upload through to the gateway and vLLM", async () => {
    emulator.script({ text: "TOTAL 9.00" });
    const body = paddedChatBody(20_000_000);
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const answer = (await response.json()) as { choices?: Array<{ message: { content: string } }> };

    expect(response.status).toBe(200);
    expect(answer.choices?.[0]?.message.content).toBe("TOTAL 9.00");
    expect(emulator.chatRequests.at(-1)?.rawBody.length).toBeGreaterThan(19_900_000);
  });

  it("refuses a body over the gateway's limit with a JSON 413", async () => {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: paddedChatBody(MAX_BODY_BYTES + 1024),
    });
    const answer = (await response.json()) as { error: { code: string } };

    expect(response.status).toBe(413);
    expect(answer.error.code).toBe("body_too_large");
    expect(response.headers.get("x-request-id")).toMatch(NGINX_REQUEST_ID);
  });

  it("delivers SSE events as they are produced, not all at the end", async () => {
    emulator.script({ tokens: ["one ", "two ", "three ", "four ", "five"], tokenDelayMs: 200 });
    const started = Date.now();
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: paddedChatBody(0, { stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");

    const arrivals: Array<{ at: number; content: string }> = [];
    const decoder = new TextDecoder();
    let buffered = "";
    if (response.body === null) throw new Error("no body");
    const reader = response.body.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      const chunk = read.value;
      buffered += decoder.decode(chunk, { stream: true });
      const events = buffered.split("\n\n");
      buffered = events.pop() ?? "";
      for (const event of events) {
        const data = event.replace(/^data: /, "");
        if (data === "[DONE]") continue;
        const content = (JSON.parse(data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]
          ?.delta.content;
        if (content) arrivals.push({ at: Date.now() - started, content });
      }
    }

    expect(arrivals.map((arrival) => arrival.content).join("")).toBe("one two three four five");
    const first = arrivals[0]?.at ?? Number.NaN;
    const last = arrivals.at(-1)?.at ?? Number.NaN;
    // Five tokens 200 ms apart: buffered, they would all arrive together at the end.
    expect(last - first).toBeGreaterThan(600);
  });

  it("forwards the caller's X-Request-Id and returns it", async () => {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "client-req.42" },
      body: paddedChatBody(0),
    });
    await response.body?.cancel();

    expect(response.headers.get("x-request-id")).toBe("client-req.42");
    expect(String(emulator.chatRequests.at(-1)?.headers["x-request-id"])).toMatch(/^client-req\.42-/);
  });

  it.each([
    ["none is sent", undefined],
    ["the one sent is not a safe token", "bad id; drop table"],
  ])("makes a request id when %s, gives it to the gateway and returns it", async (_case, given) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (given !== undefined) headers["x-request-id"] = given;
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers,
      body: paddedChatBody(0),
    });
    await response.body?.cancel();
    const returned = response.headers.get("x-request-id") ?? "";

    expect(returned).toMatch(NGINX_REQUEST_ID);
    expect(response.headers.get("x-request-id")?.split(",")).toHaveLength(1);
    expect(String(emulator.chatRequests.at(-1)?.headers["x-request-id"])).toMatch(
      new RegExp(`^${returned}-`),
    );
  });

  it("keeps the gateway's metrics off the public side", async () => {
    const response = await fetch(`${baseUrl}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("ocr_gateway_");
  });

  it("serves the same routes over TLS once the TLS server file is enabled, with HSTS", async () => {
    const response = await undiciFetch(`${tlsUrl}/ready`, { dispatcher: tlsAgent });
    expect(response.status).toBe(200);
    expect(response.headers.get("strict-transport-security")).toBe("max-age=31536000");
    expect(response.headers.get("x-request-id")).toMatch(NGINX_REQUEST_ID);

    const plain = await fetch(`${baseUrl}/ready`);
    expect(plain.headers.get("strict-transport-security")).toBeNull();
  });

  it("accepts the TLS file copied into conf.d under any name (nginx loads conf.d/*.conf in name order)", () => {
    const nginxBinary = requireCommand("nginx", "nginx");
    for (const fileName of ["ocr-gateway-tls.conf", "000-tls.conf", "a.conf", "zz-tls.conf"]) {
      const testPrefix = mkdtempSync(path.join(tmpdir(), "ocr-nginx-order-"));
      try {
        const configFile = writeNginxTestConfig({
          prefix: testPrefix,
          gatewayAddress: "127.0.0.1:9",
          httpPort: 8,
          tls: { port: 9, certDir: path.join(prefix, "certs"), fileName },
        });
        const check = spawnSync(
          nginxBinary,
          ["-p", testPrefix, "-e", path.join(testPrefix, "error.log"), "-c", configFile, "-t"],
          {
            encoding: "utf8",
          },
        );
        expect(check.status, `${fileName}: ${check.stderr}`).toBe(0);
      } finally {
        rmSync(testPrefix, { recursive: true, force: true });
      }
    }
  });
});
