import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReceipt } from "../support/fixtures.ts";
import { type RunningGateway, startGateway } from "../support/gateway-harness.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

let emulator: VllmEmulator;
let images: Server;
let imageBase: string;
let allowed: RunningGateway;
let strict: RunningGateway;
const receipt = readReceipt("001");

beforeAll(async () => {
  emulator = await VllmEmulator.start();
  images = createServer((req, res) => {
    if (req.url === "/receipt.jpg") res.writeHead(200, { "content-type": "image/jpeg" }).end(receipt);
    else if (req.url === "/to-metadata")
      res.writeHead(302, { location: "http://169.254.169.254/latest" }).end();
    else if (req.url === "/page.html")
      res.writeHead(200, { "content-type": "image/png" }).end("<html>not an image</html>");
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => images.listen(0, "127.0.0.1", resolve));
  imageBase = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  allowed = await startGateway({ VLLM_URL: emulator.url, FETCH_ALLOWED_PRIVATE_HOSTS: "127.0.0.1" });
  strict = await startGateway({ VLLM_URL: emulator.url });
});

afterAll(async () => {
  await allowed.close();
  await strict.close();
  await emulator.close();
  await new Promise((resolve) => images.close(resolve));
});

const ask = (gateway: RunningGateway, url: string) =>
  new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 }).chat.completions.create({
    model: "hunyuan-ocr",
    messages: [
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url } },
          { type: "text", text: "提取图中的文字。" },
        ],
      },
    ],
  });

describe("image URLs in chat requests", () => {
  it("fetches http(s) images itself and sends vLLM a data: URL", async () => {
    emulator.reset();
    await ask(allowed, `${imageBase}/receipt.jpg`);
    const sent = emulator.chatRequests[0]?.body as { messages: Array<{ content: unknown }> };
    const parts = sent.messages[1]?.content as Array<{ type: string; image_url?: { url: string } }>;
    const url = parts.find((part) => part.type === "image_url")?.image_url?.url ?? "";
    expect(url.startsWith("data:image/jpeg;base64,")).toBe(true);
    expect(Buffer.from(url.split(",")[1] ?? "", "base64").equals(receipt)).toBe(true);
  });

  it.each([
    ["a loopback host", "/receipt.jpg", "url_not_allowed", 403],
    ["a redirect to cloud metadata", "/to-metadata", "url_not_allowed", 403],
  ])("refuses %s without calling vLLM", async (_name, pathname, code, status) => {
    emulator.reset();
    const target = pathname === "/to-metadata" ? allowed : strict;
    const error = (await ask(target, `${imageBase}${pathname}`).catch(
      (caught: unknown) => caught,
    )) as InstanceType<typeof OpenAI.APIError>;
    expect([error.status, error.code]).toEqual([status, code]);
    expect(emulator.chatRequests).toHaveLength(0);
  });

  it("refuses a URL that serves something other than an image, and file:// URLs", async () => {
    const html = (await ask(allowed, `${imageBase}/page.html`).catch(
      (caught: unknown) => caught,
    )) as InstanceType<typeof OpenAI.APIError>;
    expect([html.status, html.code]).toEqual([415, "unsupported_media_type"]);
    const file = (await ask(allowed, "file:///etc/passwd").catch(
      (caught: unknown) => caught,
    )) as InstanceType<typeof OpenAI.APIError>;
    expect([file.status, file.code]).toEqual([400, "invalid_image_url"]);
  });
});
