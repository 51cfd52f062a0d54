import { describe, expect, it } from "vitest";
import { loadSseParser, type SseMessage } from "./browser-modules.ts";

const { createSseParser } = await loadSseParser();

/** Feeds `bytes` to a parser in the given pieces through a streaming TextDecoder, as the page does. */
function parse(bytes: Uint8Array, cuts: number[]): SseMessage[] {
  const messages: SseMessage[] = [];
  const parser = createSseParser((message) => messages.push(message));
  const decoder = new TextDecoder();
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.push(decoder.decode(bytes.subarray(start, cut), { stream: true }));
    start = cut;
  }
  parser.push(decoder.decode());
  parser.end();
  return messages;
}

const STREAM = new TextEncoder().encode(
  [
    'event: page.start\ndata: {"index":0}\n\n',
    ": keep-alive comment\n\n",
    'event: delta\r\ndata: {"index":0,"text":"收据 TOTAL 9.00 €"}\r\n\r\n',
    'event: delta\rdata: {"index":0,"text":"\\n"}\r\r',
    "data: first line\ndata:second line\n\n",
    'event: done\ndata: {"ok":true}\n\n',
  ].join(""),
);
const EXPECTED: SseMessage[] = [
  { event: "page.start", data: '{"index":0}' },
  { event: "delta", data: '{"index":0,"text":"收据 TOTAL 9.00 €"}' },
  { event: "delta", data: '{"index":0,"text":"\\n"}' },
  { event: "message", data: "first line\nsecond line" },
  { event: "done", data: '{"ok":true}' },
];

describe("the UI's SSE parser", () => {
  it("reads LF, CRLF and CR line ends, comments and multi-line data", () => {
    expect(parse(STREAM, [])).toEqual(EXPECTED);
  });

  it("gives the same events when the body is split at any byte (inside CRLF and UTF-8 characters too)", () => {
    for (let cut = 1; cut < STREAM.length; cut++) expect(parse(STREAM, [cut])).toEqual(EXPECTED);
  });

  it("gives the same events when every byte arrives alone", () => {
    expect(parse(STREAM, [...STREAM.keys()].slice(1))).toEqual(EXPECTED);
  });

  it("drops a last event that never got its blank line (a cut-off stream)", () => {
    const cut = new TextEncoder().encode('event: done\ndata: {"ok":true}\n');
    expect(parse(cut, [])).toEqual([]);
  });
});
