import { BadGatewayError } from "../errors.ts";

const LF = 0x0a;

/** Longest single event accepted: vLLM's chunks are a few hundred bytes; 1 MiB leaves room for logprobs. */
export const MAX_SSE_EVENT_BYTES = 1024 * 1024;
const CR = 0x0d;

/** Index just past the last event terminator (a blank line: LF LF, or CRLF CRLF) in `bytes`, or -1. */
function lastEventBoundary(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 1; i--) {
    if (bytes[i] !== LF) continue;
    if (bytes[i - 1] === LF) return i + 1;
    if (bytes[i - 1] === CR && i >= 3 && bytes[i - 2] === LF && bytes[i - 3] === CR) return i + 1;
  }
  return -1;
}

/**
 * Cuts a byte stream into runs of whole Server-Sent Events, whatever byte offsets the chunks were split at
 * (even inside a multi-byte character). Each `push` returns the complete events received so far as one
 * buffer (or null), so a chunk holding several events is forwarded in one write. An event that grows past
 * `maxEventBytes` without ending fails the stream (502 `upstream_event_too_large`) instead of buffering
 * without bound.
 */
export class SseEventSplitter {
  #carry: Uint8Array = new Uint8Array(0);

  constructor(private readonly maxEventBytes = MAX_SSE_EVENT_BYTES) {}

  push(chunk: Uint8Array): Uint8Array | null {
    const bytes = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    const boundary = lastEventBoundary(bytes);
    if (bytes.length - Math.max(boundary, 0) > this.maxEventBytes) {
      this.#carry = new Uint8Array(0);
      throw new BadGatewayError(
        "upstream_event_too_large",
        `The model server sent a stream event larger than ${this.maxEventBytes} bytes.`,
      );
    }
    if (boundary === -1) {
      this.#carry = bytes;
      return null;
    }
    this.#carry = bytes.subarray(boundary);
    return bytes.subarray(0, boundary);
  }

  /** Bytes of an event that never got its terminator. */
  get pending(): number {
    return this.#carry.length;
  }
}

/** Yields each event's `data:` payload (multi-line data joined by "\n") from a run of whole events. */
export function* sseDataPayloads(events: Uint8Array): Generator<string> {
  const text = Buffer.from(events.buffer, events.byteOffset, events.byteLength).toString("utf8");
  for (const block of text.split(/\r?\n\r?\n/)) {
    if (block.length === 0) continue;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
    }
    if (data.length > 0) yield data.join("\n");
  }
}

const DONE_TAIL = Buffer.from("data: [DONE]\n\n");

/** True when a run of events ends with vLLM's `data: [DONE]` terminator. */
export function endsWithDone(events: Uint8Array): boolean {
  if (events.length < DONE_TAIL.length) return false;
  return Buffer.compare(events.subarray(events.length - DONE_TAIL.length), DONE_TAIL) === 0;
}
