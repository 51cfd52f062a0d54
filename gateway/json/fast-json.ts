/**
 * JSON for large bodies that are mostly base64 image data with a little non-ASCII text (Chinese prompts).
 *
 * V8 turns a whole JSON text into a two-byte string as soon as one character is outside Latin-1, and then
 * `JSON.parse` and `Buffer.from` on ~130 KB cost about 1–2 ms each instead of ~0.1 ms: most of the
 * gateway's own time per request. These two functions keep the big strings one-byte.
 */

import { isAscii } from "node:buffer";

const LARGE = 4096;

/** Deepest nesting of arrays and objects a request body may have (real requests stay under 10). */
export const MAX_JSON_DEPTH = 64;

/** A JSON text nested deeper than `MAX_JSON_DEPTH`: refused before anything recursive walks it. */
export class JsonTooDeepError extends Error {
  constructor(readonly maxDepth: number) {
    super(`JSON nested deeper than ${maxDepth} levels`);
    this.name = "JsonTooDeepError";
  }
}

/**
 * Throws `JsonTooDeepError` when `value` nests arrays/objects deeper than `maxDepth`. Iterative, so a hostile
 * 100,000-level document cannot overflow the stack here (as recursive walkers such as zod would).
 */
export function assertJsonDepth(value: unknown, maxDepth = MAX_JSON_DEPTH): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== "object") continue;
    if (depth > maxDepth) throw new JsonTooDeepError(maxDepth);
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
}

/** `JSON.parse` plus the depth limit, for small JSON texts (form fields, schemas given as strings). */
export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  const parsed: unknown = JSON.parse(text);
  assertJsonDepth(parsed, maxDepth);
  return parsed;
}
/** Printable ASCII without `"` and `\`: copied into JSON verbatim. */
const NEEDS_ESCAPING = /[^\x20-\x21\x23-\x5b\x5d-\x7e]/;
const LATIN1_HIGH = /[\x80-\xff]/;

function repairUtf8(value: unknown): unknown {
  if (typeof value === "string") {
    return LATIN1_HIGH.test(value) ? Buffer.from(value, "latin1").toString("utf8") : value;
  }
  if (Array.isArray(value)) return value.map(repairUtf8);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[repairUtf8(key) as string] = repairUtf8(item);
    return out;
  }
  return value;
}

/**
 * `JSON.parse` of UTF-8 bytes. Decodes as Latin-1 (one byte per character, so the text stays one-byte) and
 * re-decodes as UTF-8 only the strings that hold non-ASCII bytes. Texts with `\u` escapes take the plain
 * path (the repair could not tell an escaped character from raw bytes; such texts are usually pure ASCII,
 * which is fast anyway). Throws SyntaxError like `JSON.parse`, and `JsonTooDeepError` past `MAX_JSON_DEPTH`.
 */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < LARGE || buffer.includes("\\u")) return parseJsonText(buffer.toString("utf8"));
  const parsed: unknown = JSON.parse(buffer.toString("latin1"));
  assertJsonDepth(parsed);
  return isAscii(buffer) ? parsed : repairUtf8(parsed);
}

/**
 * `Buffer.from(JSON.stringify(value))`, but long ASCII strings (base64 data URLs) are copied into the output
 * as Latin-1 bytes instead of going through a two-byte intermediate string.
 */
export function stringifyJsonToBuffer(value: unknown): Buffer {
  const blobs: string[] = [];
  const marker = `__blob_${Math.random().toString(36).slice(2)}_`;
  const strip = (item: unknown): unknown => {
    if (typeof item === "string") {
      if (item.length < LARGE || NEEDS_ESCAPING.test(item)) return item;
      blobs.push(item);
      return `${marker}${blobs.length - 1}`;
    }
    if (Array.isArray(item)) return item.map(strip);
    if (item !== null && typeof item === "object") {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(item)) out[key] = strip(child);
      return out;
    }
    return item;
  };
  const skeleton = JSON.stringify(strip(value));
  if (blobs.length === 0) return Buffer.from(skeleton);
  const parts: Buffer[] = [];
  const pattern = new RegExp(`${marker}(\\d+)`, "g");
  let last = 0;
  for (const match of skeleton.matchAll(pattern)) {
    parts.push(Buffer.from(skeleton.slice(last, match.index)));
    parts.push(Buffer.from(blobs[Number(match[1])] as string, "latin1"));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(skeleton.slice(last)));
  return Buffer.concat(parts);
}
