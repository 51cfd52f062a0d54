import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

describe("emulator CLI", () => {
  it("starts on the given port, prints its URL, honours flags and exits on SIGTERM", async () => {
    const cli = path.resolve(process.cwd(), "test/support/vllm-emulator/cli.ts");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", cli, "--port", "0", "--version", "0.11.0", "--served-model-name", "a,b"],
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
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
