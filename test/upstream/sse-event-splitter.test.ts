import type OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../gateway/errors.ts";
import { SseEventSplitter } from "../../gateway/upstream/sse-event-splitter.ts";
import { receiptDataUrl } from "../support/fixtures.ts";
import { useUpstreamBed } from "../support/upstream-bed.ts";

const bed = useUpstreamBed();
const encode = (text: string) => new TextEncoder().encode(text);

describe("SseEventSplitter", () => {
  it("returns whole events whatever the chunk boundaries", () => {
    const splitter = new SseEventSplitter(64);
    expect(splitter.push(encode("data: a\n"))).toBeNull();
    expect(new TextDecoder().decode(splitter.push(encode("\ndata: b\n\ndata: c")) ?? undefined)).toBe(
      "data: a\n\ndata: b\n\n",
    );
    expect(splitter.pending).toBe(7);
  });

  it("fails cleanly on an event longer than its cap instead of buffering without bound", () => {
    const splitter = new SseEventSplitter(64);
    splitter.push(encode(`data: ${"x".repeat(40)}`));
    let failure: unknown;
    try {
      splitter.push(encode("y".repeat(40)));
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ status: 502, code: "upstream_event_too_large" });
    expect(splitter.pending).toBe(0);
  });

  it("ends a passthrough stream with an error event when vLLM sends an oversized event", async () => {
    const emulator = await bed.emulator();
    const { client } = await bed.gateway({ VLLM_URL: emulator.url });
    emulator.script({ tokens: ["ok", "z".repeat(1_200_000)] });
    const stream = await client.chat.completions.create({
      model: "hunyuan-ocr",
      stream: true,
      messages: [
        { role: "user", content: [{ type: "image_url", image_url: { url: receiptDataUrl("000") } }] },
      ],
    });
    const consume = async () => {
      for await (const _chunk of stream as AsyncIterable<OpenAI.ChatCompletionChunk>) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/larger than 1048576 bytes/);
  });
});
