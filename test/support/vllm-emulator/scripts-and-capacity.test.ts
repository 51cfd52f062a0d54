import { describe, expect, it } from "vitest";
import { postJson, sleep, textBody, until, useEmulatorStarter } from "./test-kit.ts";

const start = useEmulatorStarter();

const chatPath = "/v1/chat/completions";

describe("vLLM emulator scripts", () => {
  it("sends streaming headers at once and the role chunk only after the prefill delay", async () => {
    const emu = await start();
    emu.script({ text: "a b", firstTokenDelayMs: 300, tokenDelayMs: 20 });
    const response = await postJson(emu.url, chatPath, textBody("go", { stream: true }));
    const headersAt = Date.now();
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(Date.now() - headersAt).toBeGreaterThanOrEqual(200);
    expect(new TextDecoder().decode(first.value)).toContain('"role":"assistant"');
    await reader.cancel();
  });

  it("answers with scripted HTTP errors, JSON or empty-bodied", async () => {
    const emu = await start();
    emu.script(
      {
        httpError: {
          status: 503,
          body: { error: { message: "overloaded", type: "ServiceUnavailable", code: 503 } },
        },
      },
      { httpError: { status: 500 } },
      { httpError: { status: 502, rawBody: "Bad Gateway" } },
    );
    const busy = await postJson(emu.url, chatPath, textBody("a"));
    expect(busy.status).toBe(503);
    expect(await busy.json()).toMatchObject({ error: { message: "overloaded" } });
    const dead = await postJson(emu.url, chatPath, textBody("a"));
    expect(dead.status).toBe(500);
    expect(await dead.text()).toBe("");
    const raw = await postJson(emu.url, chatPath, textBody("a"));
    expect([raw.status, await raw.text()]).toEqual([502, "Bad Gateway"]);
    expect((await postJson(emu.url, chatPath, textBody("a"))).status).toBe(200);
  });

  it("drops the connection mid-stream after N tokens, and before any byte when non-streaming with 0", async () => {
    const emu = await start();
    emu.script(
      { text: "a b c d e", dropAfterTokens: 2 },
      { text: "a b", dropAfterTokens: 0 },
      { text: "a b c", dropAfterTokens: 1 },
    );
    const stream = await postJson(emu.url, chatPath, textBody("go", { stream: true }));
    expect(stream.status).toBe(200);
    await expect(stream.text()).rejects.toThrow();
    await expect(postJson(emu.url, chatPath, textBody("go"))).rejects.toThrow();
    const partial = await postJson(emu.url, chatPath, textBody("go"));
    expect(partial.status).toBe(200);
    await expect(partial.text()).rejects.toThrow();
    expect(emu.abortedRequests).toBe(0);
  });

  it("hangs when told to, counts the client abort, and frees the slot", async () => {
    const emu = await start({ maxNumSeqs: 1 });
    emu.script({ hang: true });
    const controller = new AbortController();
    const hung = postJson(emu.url, chatPath, textBody("go"), {}, controller.signal);
    await until(() => emu.runningRequests === 1);
    controller.abort();
    await expect(hung).rejects.toThrow();
    await emu.waitForAbort();
    expect(emu.abortedRequests).toBe(1);
    expect(emu.runningRequests).toBe(0);
    const metrics = await (await fetch(`${emu.url}/metrics`)).text();
    // vLLM does not count client aborts as finished requests.
    expect(metrics).toContain('finished_reason="abort"} 0.0');
    expect((await postJson(emu.url, chatPath, textBody("go"))).status).toBe(200);
  });

  it("stops a slow stream when the client goes away", async () => {
    const emu = await start({ tokensPerSecond: 50 });
    emu.script({ text: "one two six ten".repeat(10) });
    const controller = new AbortController();
    const response = await postJson(
      emu.url,
      chatPath,
      textBody("go", { stream: true }),
      {},
      controller.signal,
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const aborted = emu.waitForAbort();
    controller.abort();
    await aborted;
    expect(emu.completedRequests).toBe(0);
    expect(emu.runningRequests).toBe(0);
  });

  it("uses a replaced default answerer for unscripted requests", async () => {
    const emu = await start();
    emu.setDefaultAnswer((request) => ({ text: `echo ${request.messages.length}` }));
    const response = await postJson(emu.url, chatPath, textBody("go"));
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe("echo 1");
    emu.reset();
    const again = (await (await postJson(emu.url, chatPath, textBody("go"))).json()) as typeof body;
    expect(again.choices[0]?.message.content).not.toBe("echo 1");
    expect(emu.chatRequests).toHaveLength(1);
  });
});

describe("vLLM emulator capacity", () => {
  it("runs at most maxNumSeqs sequences and queues the rest", async () => {
    const emu = await start({ maxNumSeqs: 2 });
    emu.setDefaultAnswer(() => ({ text: "slow", firstTokenDelayMs: 60 }));
    const requests = [0, 1, 2, 3].map((i) =>
      postJson(emu.url, chatPath, textBody(`r${i}`, { stream: true })),
    );
    await until(() => emu.runningRequests === 2 && emu.waitingRequests === 2);
    const metrics = await (await fetch(`${emu.url}/metrics`)).text();
    expect(metrics).toMatch(/vllm:num_requests_running\{[^}]*\} 2\.0/);
    expect(metrics).toMatch(/vllm:num_requests_waiting\{[^}]*\} 2\.0/);
    await Promise.all((await Promise.all(requests)).map((response) => response.text()));
    expect([emu.runningRequests, emu.waitingRequests, emu.completedRequests]).toEqual([0, 0, 4]);
  });

  it("admits waiting requests first in, first out", async () => {
    const emu = await start({ maxNumSeqs: 1 });
    emu.script(
      { text: "head", firstTokenDelayMs: 60 },
      { text: "second", firstTokenDelayMs: 30 },
      { text: "third" },
    );
    const finished: string[] = [];
    const send = async (name: string) => {
      const body = (await (await postJson(emu.url, chatPath, textBody(name))).json()) as {
        choices: { message: { content: string } }[];
      };
      finished.push(body.choices[0]?.message.content ?? "");
    };
    const head = send("head");
    await until(() => emu.runningRequests === 1);
    const second = send("second");
    await until(() => emu.waitingRequests === 1);
    const third = send("third");
    await until(() => emu.waitingRequests === 2);
    await Promise.all([head, second, third]);
    expect(finished).toEqual(["head", "second", "third"]);
  });

  it("drops a waiting request whose client disconnected", async () => {
    const emu = await start({ maxNumSeqs: 1 });
    emu.script({ text: "slow", firstTokenDelayMs: 100 });
    const first = postJson(emu.url, chatPath, textBody("a"));
    await until(() => emu.runningRequests === 1);
    const controller = new AbortController();
    const queued = postJson(emu.url, chatPath, textBody("b"), {}, controller.signal);
    await until(() => emu.waitingRequests === 1);
    controller.abort();
    await expect(queued).rejects.toThrow();
    await emu.waitForAbort();
    expect(emu.waitingRequests).toBe(0);
    expect((await first).status).toBe(200);
  });

  it("serves hundreds of zero-delay requests quickly", async () => {
    const emu = await start({ maxNumSeqs: 4 });
    const startedAt = Date.now();
    for (let batch = 0; batch < 5; batch++) {
      await Promise.all(
        Array.from({ length: 40 }, async () =>
          (await postJson(emu.url, chatPath, textBody("go", { max_tokens: 64 }))).json(),
        ),
      );
    }
    expect(emu.completedRequests).toBe(200);
    expect(Date.now() - startedAt).toBeLessThan(4000);
  });

  it("closes with requests still hanging", async () => {
    const emu = await start();
    emu.script({ hang: true }, { hang: true });
    const a = postJson(emu.url, chatPath, textBody("a")).catch((error: unknown) => error);
    const b = postJson(emu.url, chatPath, textBody("b", { stream: true }))
      .then((r) => r.text())
      .catch((e: unknown) => e);
    await until(() => emu.runningRequests === 2);
    await emu.close();
    expect(await a).toBeInstanceOf(Error);
    expect(await b).toBeInstanceOf(Error);
    await sleep(10);
  });
});
