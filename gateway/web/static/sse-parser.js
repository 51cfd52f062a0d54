/**
 * @typedef {{ event: string, data: string, id?: string }} SseMessage
 */

/**
 * An incremental Server-Sent Events parser (WHATWG HTML §9.2.6) for text decoded from a fetch body.
 * Chunks may be split anywhere, including between "\r" and "\n". Feed it with `push(text)`; call `end()`
 * when the body is done (a last event without its blank line is dropped, as the spec says).
 * @param {(message: SseMessage) => void} onMessage called for each complete event
 * @returns {{ push(text: string): void, end(): void }}
 */
export function createSseParser(onMessage) {
  let buffer = "";
  let pendingCarriageReturn = false;
  let eventName = "";
  /** @type {string[]} */
  let dataLines = [];
  let hasData = false;

  /** @param {string} line */
  function processLine(line) {
    if (line === "") {
      if (hasData) onMessage({ event: eventName || "message", data: dataLines.join("\n") });
      eventName = "";
      dataLines = [];
      hasData = false;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") eventName = value;
    else if (field === "data") {
      dataLines.push(value);
      hasData = true;
    }
  }

  return {
    push(text) {
      let chunk = text;
      // A "\r" ended the previous chunk: a "\n" starting this one belongs to the same line break.
      if (pendingCarriageReturn && chunk.startsWith("\n")) chunk = chunk.slice(1);
      pendingCarriageReturn = false;
      buffer += chunk;
      let start = 0;
      for (let index = 0; index < buffer.length; index++) {
        const char = buffer[index];
        if (char !== "\r" && char !== "\n") continue;
        processLine(buffer.slice(start, index));
        if (char === "\r") {
          if (index + 1 === buffer.length) pendingCarriageReturn = true;
          else if (buffer[index + 1] === "\n") index++;
        }
        start = index + 1;
      }
      buffer = buffer.slice(start);
    },
    end() {
      buffer = "";
      dataLines = [];
      hasData = false;
    },
  };
}
