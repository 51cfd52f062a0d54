import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../bench/lib/child-service.ts";
import { strokeHeavyPdf } from "../documents/hostile-pdfs.ts";
import { receiptDataUrl } from "../support/fixtures.ts";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

let emulator: VllmEmulator;
let child: ChildProcess | undefined;

beforeAll(async () => {
  emulator = await VllmEmulator.start();
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

async function startServer(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  child = spawn(
    process.execPath,
    ["--import", "tsx", "gateway/server.ts", "--port", String(port), "--host", "127.0.0.1"],
    {
      env: { ...process.env, VLLM_URL: emulator.url, LOG_LEVEL: "warn", ...env },
      stdio: "ignore",
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (
      await fetch(`${url}/health`).then(
        (response) => response.ok,
        () => false,
      )
    )
      return url;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("gateway did not start");
}

const streamRequest = (url: string) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      stream: true,
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: receiptDataUrl("000") } },
            { type: "text", text: "提取图中的文字。" },
          ],
        },
      ],
    }),
  });

describe("graceful shutdown", () => {
  it("on SIGTERM stops accepting, lets in-flight requests finish, then exits 0", async () => {
    const url = await startServer({ SHUTDOWN_GRACE_MS: "10000" });
    emulator.script({ tokens: ["a", "b", "c", "d", "e", "f"], tokenDelayMs: 200 });
    const response = await streamRequest(url);
    const body = response.text();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = once(child as ChildProcess, "exit");
    child?.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    const text = await body;
    expect(text).toContain('"content":"f"');
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const [code] = await exited;
    expect(code).toBe(0);
  });

  it("cuts requests still running when the grace period ends, and the upstream is aborted", async () => {
    const url = await startServer({ SHUTDOWN_GRACE_MS: "300" });
    emulator.script({ tokens: Array.from({ length: 100 }, () => "x"), tokenDelayMs: 100 });
    const response = await streamRequest(url);
    const body = response.text().catch(() => "cut");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const aborted = emulator.waitForAbort(5_000);
    const exited = once(child as ChildProcess, "exit");
    const started = Date.now();
    child?.kill("SIGTERM");
    const [code] = await exited;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(code).toBe(0);
    expect(await body).not.toContain("[DONE]");
    await aborted;
  });

  it("exits within the grace period while a PDF worker is stuck drawing a stroke-heavy page", async () => {
    const url = await startServer({ SHUTDOWN_GRACE_MS: "1000", PDF_PAGE_TIMEOUT_MS: "600000" });
    const form = new FormData();
    form.append(
      "file",
      new Blob([new Uint8Array(await strokeHeavyPdf(8))], { type: "application/pdf" }),
      "strokes.pdf",
    );
    const response = fetch(`${url}/v1/ocr`, { method: "POST", body: form }).catch(() => "cut");
    // Wait until a worker is drawing the page (the workers start on the first PDF).
    for (let attempt = 0; attempt < 600; attempt++) {
      const ready = (await (await fetch(`${url}/ready`)).json()) as {
        detail: { pdf_renderer?: { busy: number } };
      };
      if ((ready.detail.pdf_renderer?.busy ?? 0) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const exited = once(child as ChildProcess, "exit");
    const started = Date.now();
    child?.kill("SIGTERM");
    const [code] = await exited;
    // Grace (1 s) + the pool's close (≤ 2 s) + a loaded machine's slack; the page alone needs minutes.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(code).toBe(0);
    expect(await response).not.toBeInstanceOf(Response);
  }, 180_000);
});
