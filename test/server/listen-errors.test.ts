import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VllmEmulator } from "../support/vllm-emulator/index.ts";

const run = promisify(execFile);
let emulator: VllmEmulator;

beforeAll(async () => {
  emulator = await VllmEmulator.start();
});
afterAll(async () => {
  await emulator.close();
});

describe("start-up with a port already taken", () => {
  it("prints one line saying so, no stack trace, and exits 1", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const failure = await run(
        process.execPath,
        ["--import", "tsx", "gateway/server.ts", "--host", "127.0.0.1", "--port", String(port)],
        { env: { ...process.env, VLLM_URL: emulator.url, LOG_LEVEL: "silent" }, timeout: 60_000 },
      ).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toBe(
        `ocr-gateway: cannot listen on 127.0.0.1:${port}: the port is already in use (vLLM also defaults to 8000); set PORT or --port to a free one\n`,
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
