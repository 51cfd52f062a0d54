import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { VllmEmulator } from "./index.ts";
import {
  ocrBody,
  parseSseData,
  postJson,
  receiptDataUrl,
  sleep,
  spottingPrompt,
  textBody,
} from "./test-kit.ts";

let emulator: VllmEmulator;
let receipt: string;
beforeAll(async () => {
  emulator = await VllmEmulator.start({ maxModelLen: 4096 });
  receipt = receiptDataUrl();
});
afterAll(() => emulator.close());
beforeEach(() => emulator.reset());

type ErrorInfo = { message: string; type: string; param: string | null; code: number };

async function expectError(response: Response, status: number): Promise<ErrorInfo> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { error: ErrorInfo };
  expect(body.error.code).toBe(status);
  return body.error;
}

const chatPath = "/v1/chat/completions";

describe("vLLM emulator request validation", () => {
  it("rejects a non-JSON content type and invalid JSON with 400 Bad Request", async () => {
    const form = await fetch(`${emulator.url}${chatPath}`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify(textBody("hi")),
    });
    const formError = await expectError(form, 400);
    expect(formError.message).toContain("Unsupported Media Type: Only 'application/json' is allowed");
    expect(formError.type).toBe("Bad Request");
    const broken = await fetch(`${emulator.url}${chatPath}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"messages": [',
    });
    expect((await expectError(broken, 400)).message).toContain("JSON decode error");
  });

  it("rejects missing messages and unknown content part types", async () => {
    const missing = await expectError(
      await postJson(emulator.url, chatPath, { model: "tencent/HunyuanOCR" }),
      400,
    );
    expect(missing.message).toContain("'loc': ('body', 'messages'), 'msg': 'Field required'");
    const unknownPart = {
      messages: [{ role: "user", content: [{ type: "input_pdf", data: "x" }] }],
    };
    const partError = await expectError(await postJson(emulator.url, chatPath, unknownPart), 400);
    expect(partError.message).toContain("Unknown part type: input_pdf");
  });

  it("rejects stream_options without stream: true, but lets an empty object through like vLLM", async () => {
    const error = await expectError(
      await postJson(emulator.url, chatPath, textBody("hi", { stream_options: { include_usage: true } })),
      400,
    );
    expect(error.message).toContain("Stream options can only be defined when `stream=True`.");
    const empty = await postJson(emulator.url, chatPath, textBody("hi", { stream_options: {} }));
    expect(empty.status).toBe(200);
  });

  it("answers 404 NotFoundError for an unknown model", async () => {
    const error = await expectError(
      await postJson(emulator.url, chatPath, textBody("hi", { model: "gpt-4o" })),
      404,
    );
    expect(error).toEqual({
      message: "The model `gpt-4o` does not exist.",
      type: "NotFoundError",
      param: "model",
      code: 404,
    });
  });

  it("rejects invalid sampling values with vLLM's messages", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ temperature: -1 }, "temperature must be non-negative, got -1.0."],
      [{ top_p: 0 }, "top_p must be in (0, 1], got 0.0."],
      [{ top_p: 1.5 }, "top_p must be in (0, 1], got 1.5."],
      [{ top_k: -2 }, "top_k must be 0 (disable), or at least 1, got -2."],
      [{ n: 2, temperature: 0 }, "n must be 1 when using greedy sampling, got 2."],
      [{ max_tokens: 0, max_completion_tokens: 0 }, "max_tokens must be at least 1, got 0."],
    ];
    for (const [extra, message] of cases) {
      const error = await expectError(await postJson(emulator.url, chatPath, textBody("hi", extra)), 400);
      expect(error).toMatchObject({ message, type: "BadRequestError" });
    }
  });

  it("rejects data: URLs that are not base64, undecodable images and http URLs", async () => {
    const plain = await expectError(
      await postJson(emulator.url, chatPath, ocrBody("data:image/png,abc", "x")),
      400,
    );
    expect(plain.message).toBe("Only base64 data URLs are supported for now. None");
    const corrupt = `data:image/jpeg;base64,${Buffer.from("definitely not a JPEG").toString("base64")}`;
    const corruptError = await expectError(
      await postJson(emulator.url, chatPath, ocrBody(corrupt, "x")),
      400,
    );
    expect(corruptError.message).toMatch(/^cannot identify image file/);
    const remote = await expectError(
      await postJson(emulator.url, chatPath, ocrBody("https://example.com/receipt.jpg", "x")),
      400,
    );
    expect(remote.message).toContain("does not fetch");
  });

  it("rejects more images than --limit-mm-per-prompt allows", async () => {
    const body = ocrBody(receipt, spottingPrompt);
    const user = (body.messages as { content: unknown[] }[])[1];
    user?.content.unshift({ type: "image_url", image_url: { url: receipt } });
    const error = await expectError(await postJson(emulator.url, chatPath, body), 400);
    expect(error.message).toContain("At most 1 image(s) may be provided in one prompt.");
  });

  it("rejects an image whose aspect ratio exceeds 200", async () => {
    const strip = await sharp({
      create: { width: 2010, height: 10, channels: 3, background: { r: 255, g: 255, b: 255 } },
    })
      .png()
      .toBuffer();
    const url = `data:image/png;base64,${strip.toString("base64")}`;
    const error = await expectError(await postJson(emulator.url, chatPath, ocrBody(url, "x")), 400);
    expect(error.message).toBe("absolute aspect ratio must be smaller than 200, got 201.0");
  });

  it("rejects prompts and max_tokens that do not fit the context", async () => {
    const tooLarge = await expectError(
      await postJson(emulator.url, chatPath, textBody("abc", { max_tokens: 5000 })),
      400,
    );
    expect(tooLarge.message).toContain(
      "'max_tokens' or 'max_completion_tokens' is too large: 5000. This model's maximum context length is 4096 tokens and your request has 1 input tokens (5000 > 4096 - 1).",
    );
    const longText = await expectError(
      await postJson(emulator.url, chatPath, textBody("x".repeat(13000))),
      400,
    );
    expect(longText.message).toContain("This model's maximum context length is 4096 tokens.");
    const big = await sharp({ create: { width: 2100, height: 2100, channels: 3, background: "white" } })
      .jpeg()
      .toBuffer();
    const bigImage = await expectError(
      await postJson(
        emulator.url,
        chatPath,
        ocrBody(`data:image/jpeg;base64,${big.toString("base64")}`, "x", { max_tokens: 10 }),
      ),
      400,
    );
    expect(bigImage.message).toMatch(
      /^The decoder prompt \(length 4163\) is longer than the maximum model length of 4096\./,
    );
  });

  it("caps generation at the context when the image fills it, as vLLM's scheduler does", async () => {
    emulator.script({ text: "word ".repeat(5000) });
    const response = await postJson(emulator.url, chatPath, ocrBody(receipt, "x", { max_tokens: undefined }));
    const body = (await response.json()) as {
      choices: { finish_reason: string }[];
      usage: { total_tokens: number };
    };
    expect(body.choices[0]?.finish_reason).toBe("length");
    expect(body.usage.total_tokens).toBe(4096);
  });

  it("rejects a second in-flight request with the same X-Request-Id", async () => {
    emulator.script({ text: "slow", firstTokenDelayMs: 150 }, { text: "x" }, { text: "y" });
    const first = postJson(emulator.url, chatPath, textBody("hi"), { "x-request-id": "dup" });
    await sleep(30);
    const second = await postJson(emulator.url, chatPath, textBody("hi"), { "x-request-id": "dup" });
    const error = await expectError(second, 400);
    expect(error.message).toBe("Request id chatcmpl-dup already running.");
    const streamed = await postJson(emulator.url, chatPath, textBody("hi", { stream: true }), {
      "x-request-id": "dup",
    });
    expect(streamed.status).toBe(200);
    expect(parseSseData(await streamed.text())).toEqual([
      '{"error": {"message": "Request id chatcmpl-dup already running.", "type": "BadRequestError", "param": null, "code": 400}}',
      "[DONE]",
    ]);
    expect((await first).status).toBe(200);
  });
});

describe("vLLM emulator error shapes", () => {
  it("uses the flat error body before 0.10.1", async () => {
    const old = await VllmEmulator.start({ version: "0.10.0" });
    try {
      const response = await postJson(old.url, chatPath, textBody("hi", { model: "nope" }));
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({
        object: "error",
        message: "The model `nope` does not exist.",
        type: "NotFoundError",
        param: "model",
        code: 404,
      });
    } finally {
      await old.close();
    }
  });
});
