import { describe, expect, it } from "vitest";
import { readReceipt } from "../fixtures.ts";
import {
  ocrBody,
  parseSseData,
  postJson,
  receiptDataUrl,
  textBody,
  until,
  useEmulatorStarter,
} from "./test-kit.ts";

const start = useEmulatorStarter();

const chatPath = "/v1/chat/completions";
/** A JPEG cut in half: its header is intact, its pixels end early. */
const truncatedJpeg = () => {
  const bytes = readReceipt("000");
  return `data:image/jpeg;base64,${bytes.subarray(0, Math.floor(bytes.length / 2)).toString("base64")}`;
};
const poisonSchema = {
  type: "object",
  properties: { total: { type: "string", pattern: "^(?=\\d)[\\d.]+$" } },
  required: ["total"],
};

describe("corrupt images", () => {
  it("answers a plain-text 500 before 0.19 (PIL's OSError escapes the handler)", async () => {
    const emu = await start({ version: "0.12.0" });
    const response = await postJson(emu.url, chatPath, ocrBody(truncatedJpeg(), "read"));
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("Internal Server Error");
  });

  it("answers a 400 echoing the image's bytes from 0.19", async () => {
    const emu = await start({ version: "0.19.0" });
    const image = truncatedJpeg();
    const response = await postJson(emu.url, chatPath, ocrBody(image, "read"));
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toContain("original_bytes=b'\\xff\\xd8");
    expect(error.message.length).toBeGreaterThan(image.length / 2);
  });

  it("still reads a whole image", async () => {
    const emu = await start();
    const response = await postJson(emu.url, chatPath, ocrBody(receiptDataUrl(), "read"));
    expect(response.status).toBe(200);
  });
});

describe("engine death", () => {
  it("fails requests in flight as vLLM does, answers /health 503, then stops listening", async () => {
    const emu = await start({ version: "0.12.0" });
    emu.script({ hang: true }, { hang: true });
    const whole = postJson(emu.url, chatPath, textBody("go"));
    const stream = await postJson(emu.url, chatPath, textBody("go", { stream: true }));
    await until(() => emu.runningRequests === 2);
    emu.killEngine({ listenerCloseMs: 300 });

    const failed = await whole;
    expect(failed.status).toBe(500);
    expect(await failed.text()).toBe("");
    const events = parseSseData(await stream.text());
    expect(events.at(-1)).toBe("[DONE]");
    expect(JSON.parse(events[0] as string)).toEqual({
      error: {
        message: "EngineCore encountered an issue. See stack trace (above) for the root cause.",
        type: "BadRequestError",
        param: null,
        code: 400,
      },
    });
    expect((await fetch(`${emu.url}/health`)).status).toBe(503);
    const later = await postJson(emu.url, chatPath, textBody("go"));
    expect(later.status).toBe(500);
    expect(await later.text()).toBe("");
    await expect(
      (async () => {
        for (;;) {
          await fetch(`${emu.url}/health`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })(),
    ).rejects.toThrow();
  });

  it("is caused by a schema that passes admission but cannot be compiled (before 0.19)", async () => {
    const emu = await start({ version: "0.12.0" });
    const body = textBody("total?", {
      response_format: { type: "json_schema", json_schema: { name: "receipt", schema: poisonSchema } },
    });
    const response = await postJson(emu.url, chatPath, body);
    expect(response.status).toBe(500);
    expect(emu.engineDead).toBe(true);
    expect((await fetch(`${emu.url}/health`)).status).toBe(503);
  });

  it("leaves the engine alive from 0.19", async () => {
    const emu = await start({ version: "0.19.0" });
    const body = textBody("total?", { structured_outputs: { json: poisonSchema } });
    const response = await postJson(emu.url, chatPath, body);
    expect(response.status).toBe(200);
    expect(emu.engineDead).toBe(false);
  });
});

describe("version-dependent validation", () => {
  it("refuses a json_schema given as a string", async () => {
    const emu = await start();
    const body = textBody("go", {
      response_format: {
        type: "json_schema",
        json_schema: { name: "x", schema: JSON.stringify({ type: "object" }) },
      },
    });
    const response = await postJson(emu.url, chatPath, body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { message: string; type: string } };
    expect(error.type).toBe("Bad Request");
    expect(error.message).toContain("'response_format', 'json_schema', 'schema'");
  });

  it("refuses a duplicate X-Request-Id in flight before 0.14 and accepts it from 0.14", async () => {
    for (const [version, status] of [
      ["0.13.0", 400],
      ["0.14.0", 200],
    ] as const) {
      const emu = await start({ version });
      emu.script({ text: "slow", firstTokenDelayMs: 300 });
      const first = postJson(emu.url, chatPath, textBody("a"), { "x-request-id": "same" });
      await until(() => emu.runningRequests === 1);
      const second = await postJson(emu.url, chatPath, textBody("b"), { "x-request-id": "same" });
      expect(second.status).toBe(status);
      expect((await first).status).toBe(200);
      await emu.close();
    }
  });

  it("fills `param` from 0.14", async () => {
    for (const [version, param] of [
      ["0.13.0", null],
      ["0.14.0", "max_tokens"],
    ] as const) {
      const emu = await start({ version, maxModelLen: 100 });
      const response = await postJson(emu.url, chatPath, textBody("go", { max_tokens: 500 }));
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { param: string | null } };
      expect(error.param).toBe(param);
      await emu.close();
    }
  });
});

describe("logprobs", () => {
  it("returns per-token logprobs with top candidates, whole and streamed", async () => {
    const emu = await start();
    emu.script({ tokens: ["TOTAL", " 9", ".00"] }, { tokens: ["TOTAL", " 9"] });
    const whole = await postJson(emu.url, chatPath, textBody("go", { logprobs: true, top_logprobs: 2 }));
    const body = (await whole.json()) as {
      choices: Array<{ logprobs: { content: Array<Record<string, unknown>> } }>;
    };
    const content = body.choices[0]?.logprobs.content ?? [];
    expect(content.map((entry) => entry.token)).toEqual(["TOTAL", " 9", ".00"]);
    expect(content[1]).toMatchObject({ token: " 9", bytes: [32, 57] });
    expect(content[1]?.logprob).toBeLessThan(0);
    const top = content[1]?.top_logprobs as Array<{ token: string }>;
    expect(top).toHaveLength(2);
    expect(top[0]?.token).toBe(" 9");

    const streamed = await postJson(emu.url, chatPath, textBody("go", { stream: true, logprobs: true }));
    const chunks = parseSseData(await streamed.text())
      .filter((data) => data !== "[DONE]")
      .map((data) => JSON.parse(data) as { choices: Array<{ logprobs: unknown }> });
    expect(chunks[0]?.choices[0]?.logprobs).toBeNull();
    expect(chunks[1]?.choices[0]?.logprobs).toMatchObject({
      content: [{ token: "TOTAL", top_logprobs: [] }],
    });
  });

  it("reports scripted log-probabilities per token, whole and streamed, the last token included", async () => {
    const emu = await start();
    const script = { tokens: ["TOTAL", " 9", ".00"], logprobs: [-0.001, -2.3, -0.5] };
    emu.script(script, script, { ...script, finishReason: "length" as const });
    const whole = await postJson(emu.url, chatPath, textBody("go", { logprobs: true, top_logprobs: 1 }));
    const body = (await whole.json()) as {
      choices: Array<{ logprobs: { content: Array<{ logprob: number; top_logprobs: unknown[] }> } }>;
    };
    const content = body.choices[0]?.logprobs.content ?? [];
    expect(content.map((entry) => entry.logprob)).toEqual([-0.001, -2.3, -0.5]);
    expect(content[1]?.top_logprobs).toEqual([expect.objectContaining({ token: " 9", logprob: -2.3 })]);
    for (const finishReason of ["stop", "length"]) {
      const streamed = await postJson(emu.url, chatPath, textBody("go", { stream: true, logprobs: true }));
      const values = parseSseData(await streamed.text())
        .filter((data) => data !== "[DONE]")
        .map(
          (data) =>
            JSON.parse(data) as {
              choices: Array<{ logprobs: { content: Array<{ logprob: number }> } | null }>;
            },
        )
        .flatMap((chunk) => chunk.choices[0]?.logprobs?.content ?? [])
        .map((entry) => entry.logprob);
      expect(values, finishReason).toEqual([-0.001, -2.3, -0.5]);
    }
  });

  it("refuses top_logprobs without logprobs", async () => {
    const emu = await start();
    const response = await postJson(emu.url, chatPath, textBody("go", { top_logprobs: 2 }));
    expect(response.status).toBe(400);
  });
});

describe("/v1/models", () => {
  it("reports the model path as root", async () => {
    const emu = await start({ servedModelNames: ["hunyuan-ocr"], modelPath: "/models/HunyuanOCR" });
    const body = (await (await fetch(`${emu.url}/v1/models`)).json()) as { data: Array<{ root: string }> };
    expect(body.data[0]?.root).toBe("/models/HunyuanOCR");
  });
});
