import { describe, expect, it } from "vitest";
import { receiptDataUrl } from "../support/fixtures.ts";
import {
  buildReceiptPdf,
  postOcrForm,
  postOcrJson,
  readSseEvents,
  readUntilFirstDelta,
  receiptUpload,
  type SseEvent,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: event payloads are checked field by field below
type Json = any;

const bed = useOcrGateway();
const TEXT = "TAN WOON YANN\nBOOK TA .K (TAMAN DAYA) SDN BHD\nTOTAL: 9.00";

function withoutId(result: Json): Json {
  const { id: _id, ...rest } = result;
  return rest;
}

/** Checks the per-page order page.start → delta* → page.done, and that `done` comes last, alone. */
function expectPageOrder(events: SseEvent[], indexes: number[]): void {
  expect(events.at(-1)?.event).toBe("done");
  expect(events.filter((event) => event.event === "done")).toHaveLength(1);
  for (const index of indexes) {
    const own = events.filter((event) => (event.data as Json).index === index && event.event !== "done");
    expect(own[0]?.event).toBe("page.start");
    expect(own.at(-1)?.event).toBe("page.done");
    expect(own.slice(1, -1).every((event) => event.event === "delta")).toBe(true);
    expect(own.length).toBeGreaterThan(2);
  }
}

describe("stream: true", () => {
  it("form field: page.start, deltas, page.done, then done with the same result as without streaming", async () => {
    bed.emulator.script({ text: TEXT });
    const plain = (await (
      await postOcrForm(bed.gateway.url, receiptUpload("000"), { task: "text" })
    ).json()) as Json;

    bed.emulator.script({ text: TEXT });
    const response = await postOcrForm(bed.gateway.url, receiptUpload("000"), {
      task: "text",
      stream: "true",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readSseEvents(response);
    expect(events.map((event) => event.event)).toEqual([
      "page.start",
      ...Array<string>(events.length - 3).fill("delta"),
      "page.done",
      "done",
    ]);
    const deltas = events
      .filter((event) => event.event === "delta")
      .map((event) => (event.data as Json).text);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(TEXT);
    const done = events.at(-1)?.data as Json;
    expect(withoutId(done)).toEqual(withoutId(plain));
    expect(events.at(-2)?.data).toEqual(plain.pages[0]);
  });

  it("JSON: a multi-page PDF streams every page in its own order and ends with all pages in document order", async () => {
    const pdf = Buffer.from(await buildReceiptPdf(3)).toString("base64");
    bed.emulator.setDefaultAnswer(() => ({ tokens: ["Page ", "text ", "here"], tokenDelayMs: 5 }));
    const response = await postOcrJson(bed.gateway.url, {
      document: { type: "document_url", document_url: `data:application/pdf;base64,${pdf}` },
      stream: true,
    });
    const events = await readSseEvents(response);
    expectPageOrder(events, [0, 1, 2]);
    const done = events.at(-1)?.data as Json;
    expect(done.pages.map((page: Json) => page.index)).toEqual([0, 1, 2]);
    expect(done.pages.map((page: Json) => page.text)).toEqual([
      "Page text here",
      "Page text here",
      "Page text here",
    ]);
  });

  it("a retried page says so before its new deltas, so clients can drop what they streamed", async () => {
    bed.emulator.script({ text: "The total is 9.00" }, { tokens: ['{"total": ', '"9.00"}'] });
    const response = await postOcrForm(bed.gateway.url, receiptUpload("000"), {
      fields: "total",
      stream: "true",
    });
    const events = await readSseEvents(response);
    const names = events.map((event) => event.event);
    const retry = names.indexOf("page.retry");
    expect(retry).toBeGreaterThan(names.indexOf("delta"));
    expect((events[retry]?.data as Json)?.reason).toMatch(/JSON/);
    const after = events.slice(retry).filter((event) => event.event === "delta");
    expect(after.map((event) => (event.data as Json).text).join("")).toBe('{"total": "9.00"}');
    expect((events.at(-1)?.data as Json)?.fields).toEqual({ total: "9.00" });
  });

  it("a dropped connection mid-answer reads the page again (page.retry), then finishes", async () => {
    bed.emulator.script({ tokens: ["TAN ", "WOON ", "YANN ", "TOTAL"], dropAfterTokens: 2 });
    const response = await postOcrForm(bed.gateway.url, receiptUpload("000"), { stream: "true" });
    const events = await readSseEvents(response);
    const names = events.map((event) => event.event);
    const retry = names.indexOf("page.retry");
    expect(retry).toBeGreaterThan(names.indexOf("delta"));
    expect(names.at(-1)).toBe("done");
    expect(bed.emulator.chatRequests).toHaveLength(2);
  });

  it.each([
    [
      "an SSE error event mid-answer",
      [{ midStreamError: { afterTokens: 2, message: "CUDA out of memory" } }],
    ],
    ["a dropped connection mid-answer, twice", [{ dropAfterTokens: 2 }, { dropAfterTokens: 2 }]],
  ])("%s ends the stream with an error event, never a clean-looking done", async (_name, failures) => {
    bed.emulator.script(
      ...failures.map((failure) => ({ tokens: ["TAN ", "WOON ", "YANN ", "TOTAL"], ...failure })),
    );
    const response = await postOcrForm(bed.gateway.url, receiptUpload("000"), { stream: "true" });
    const events = await readSseEvents(response);
    expect(events.map((event) => event.event)).not.toContain("done");
    expect(events.map((event) => event.event)).not.toContain("page.done");
    const last = events.at(-1);
    expect(last?.event).toBe("error");
    expect((last?.data as Json)?.error).toMatchObject({ type: "upstream_error", code: expect.any(String) });
    expect(events.filter((event) => event.event === "delta").length).toBeGreaterThanOrEqual(1);
  });

  it("without streaming, the same mid-answer failure is a 502", async () => {
    bed.emulator.script({
      tokens: ["TAN ", "WOON ", "YANN"],
      midStreamError: { afterTokens: 1, message: "boom" },
    });
    const response = await postOcrJson(bed.gateway.url, {
      document: { type: "image_url", image_url: receiptDataUrl("000") },
    });
    expect(response.status).toBe(502);
    expect(((await response.json()) as Json).error.type).toBe("upstream_error");
  });
});

describe("a client that leaves", () => {
  const slowAnswer = { tokens: Array<string>(200).fill("TOTAL 9.00 "), tokenDelayMs: 20 };

  it("stops the upstream generation when a stream is cancelled", async () => {
    bed.emulator.script(slowAnswer);
    const leave = new AbortController();
    const response = await postOcrForm(
      bed.gateway.url,
      receiptUpload("000"),
      { stream: "true" },
      { signal: leave.signal },
    );
    await readUntilFirstDelta(response);
    leave.abort();
    await bed.emulator.waitForAbort();
    expect(bed.emulator.completedRequests).toBe(0);
    // A client leaving is not a gateway failure: no 500 logged for it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const requestId = response.headers.get("x-request-id");
    const failures = bed.gateway.logs.filter(
      (line) => line.requestId === requestId && line.msg === "ocr stream failed",
    );
    expect(failures).toEqual([]);
  });

  it("stops the upstream generation when a non-streaming request is abandoned", async () => {
    bed.emulator.script(slowAnswer);
    const leave = new AbortController();
    const pending = postOcrForm(bed.gateway.url, receiptUpload("000"), {}, { signal: leave.signal });
    while (bed.emulator.runningRequests === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    leave.abort();
    await expect(pending).rejects.toThrow();
    await bed.emulator.waitForAbort();
    expect(bed.emulator.completedRequests).toBe(0);

    bed.emulator.script({ text: "TOTAL: 9.00" });
    const after = await postOcrForm(bed.gateway.url, receiptUpload("000"), {});
    expect(after.status).toBe(200);
  });
});
