const LF = 0x0a;
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
 * buffer (or null), so a chunk holding several events is forwarded in one write.
 */
export class SseEventSplitter {
  #carry: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Uint8Array | null {
    const bytes = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    const boundary = lastEventBoundary(bytes);
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
