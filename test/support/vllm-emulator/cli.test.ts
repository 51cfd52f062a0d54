import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** Starts the CLI with `args` and resolves to its URL once it prints it. */
function startCli(args: string[]) {
  const cli = path.resolve(process.cwd(), "test/support/vllm-emulator/cli.ts");
  const child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "0", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (data: Buffer) => {
      output += data.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`CLI exited early with ${code}`)));
  });
  return { child, url };
}

describe("emulator CLI", () => {
  it("fails every chat request with --fail-status, in vLLM's error shape", async () => {
    const { child, url } = startCli(["--fail-status", "500"]);
    try {
      const chat = await fetch(`${await url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messages: [{ role: "user", content: "hello" }] }),
      });
      expect(chat.status).toBe(500);
      expect(await chat.json()).toMatchObject({ error: { message: "emulated failure" } });
    } finally {
      child.kill("SIGTERM");
    }
  });

  it("starts on the given port, prints its URL, honours flags and exits on SIGTERM", async () => {
    const cli = path.resolve(process.cwd(), "test/support/vllm-emulator/cli.ts");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        cli,
        "--port",
        "0",
        "--version",
        "0.11.0",
        "--served-model-name",
        "a,b",
        "--answer",
        "TOTAL 9.80",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let output = "";
      child.stdout.on("data", (data: Buffer) => {
        output += data.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`CLI exited early with ${code}`)));
    });
    expect(await (await fetch(`${url}/version`)).json()).toEqual({ version: "0.11.0" });
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(models.data.map((model) => model.id)).toEqual(["a", "b"]);
    const chat = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "a", messages: [{ role: "user", content: "hello" }] }),
    });
    const completion = (await chat.json()) as { choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0]?.message.content).toBe("TOTAL 9.80");
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
