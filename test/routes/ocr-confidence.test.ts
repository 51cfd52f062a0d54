import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { receiptDataUrl } from "../support/fixtures.ts";
import {
  postOcrForm,
  readSseEvents,
  receiptUpload,
  upstreamBodies,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";

const bed = useOcrGateway();

interface Page {
  text: string;
  text_lines?: Array<{ text: string; confidence: number; box?: unknown }>;
  boxes?: Array<{ text: string; confidence?: number }>;
  confidence?: number;
}

const SURE = -0.01;
/** A receipt line the model was unsure of: its "CA" "SH" tokens are far from certain. */
const TOKENS = ["TOTAL", " 9.00", "\n", "CA", "SH", " 10.00", "\n", "CHANGE", " 1.00"];
const LOGPROBS = TOKENS.map((token) => (token === "CA" ? -2.5 : token === "SH" ? -2 : SURE));

describe("confidence from token logprobs on vLLM", () => {
  it("asks vLLM for logprobs (no top candidates) and scores each line and the page", async () => {
    bed.emulator.script({ tokens: TOKENS, logprobs: LOGPROBS });
    const response = await postOcrForm(bed.gateway.url, receiptUpload("000"), { task: "text" });
    expect(response.status).toBe(200);
    const page = ((await response.json()) as { pages: Page[] }).pages[0];
    const sent = upstreamBodies(bed.emulator)[0];
    expect(sent?.logprobs).toBe(true);
    expect(sent).not.toHaveProperty("top_logprobs");
    expect(page?.text_lines).toEqual([
      { text: "TOTAL 9.00", confidence: 0.99 },
      // exp((-2.5 - 2 - 0.01) / 3): the line's own three tokens.
      { text: "CASH 10.00", confidence: 0.222 },
      { text: "CHANGE 1.00", confidence: 0.99 },
    ]);
    // All nine tokens: exp((7 × -0.01 - 4.5) / 9).
    expect(page?.confidence).toBeCloseTo(Math.exp((7 * SURE - 4.5) / 9), 3);
  });

  it("scores spotting boxes, and a streamed page.done carries the same scores", async () => {
    const tokens = ["TOTAL", " 9.00", "(100,200),(500,240)", "CASH", "(100,300),(500,340)"];
    const logprobs = [SURE, SURE, SURE, -1.5, SURE];
    bed.emulator.script({ tokens, logprobs });
    const response = await postOcrForm(bed.gateway.url, receiptUpload("000"), {
      task: "spotting",
      stream: "true",
    });
    const events = await readSseEvents(response);
    const done = events.find((event) => event.event === "page.done")?.data as Page;
    expect(done.boxes?.map(({ text, confidence }) => ({ text, confidence }))).toEqual([
      { text: "TOTAL 9.00", confidence: 0.99 },
      { text: "CASH", confidence: 0.223 },
    ]);
    expect(done.text_lines?.map((line) => line.confidence)).toEqual([0.99, 0.223]);
    const final = events.at(-1)?.data as { pages: Page[] };
    expect(final.pages[0]?.confidence).toBe(done.confidence);
    // The deltas carry the text only, never the logprobs.
    const delta = events.find((event) => event.event === "delta")?.data;
    expect(Object.keys(delta as object).sort()).toEqual(["index", "text"]);
  });

  it("reports the emulator's default logprobs (a sure model) as high confidence", async () => {
    bed.emulator.script({ text: "TAN WOON YANN\nTOTAL 9.00" });
    const page = (
      (await (await postOcrForm(bed.gateway.url, receiptUpload("000"), { task: "text" })).json()) as {
        pages: Page[];
      }
    ).pages[0];
    expect(page?.text_lines).toHaveLength(2);
    for (const line of page?.text_lines ?? []) expect(line.confidence).toBeGreaterThan(0.9);
    expect(page?.confidence).toBeGreaterThan(0.9);
  });

  it("adds no logprobs to a chat request that did not ask, and passes them through when it did", async () => {
    const client = new OpenAI({ baseURL: `${bed.gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: receiptDataUrl("000") } },
          { type: "text", text: "提取图中的文字。" },
        ],
      },
    ];
    const plain = await client.chat.completions.create({ model: "hunyuan-ocr", messages });
    expect(plain.choices[0]?.logprobs ?? null).toBeNull();
    expect(upstreamBodies(bed.emulator)[0]).not.toHaveProperty("logprobs");
    const asked = await client.chat.completions.create({ model: "hunyuan-ocr", messages, logprobs: true });
    expect(asked.choices[0]?.logprobs?.content?.length).toBeGreaterThan(0);
    expect(upstreamBodies(bed.emulator)[1]?.logprobs).toBe(true);
  });
});
