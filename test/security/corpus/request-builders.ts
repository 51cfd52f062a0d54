import { deflateSync } from "node:zlib";

/** One hostile or broken request and what the gateway must answer. */
export interface BadInputCase {
  name: string;
  path: "/v1/ocr" | "/v1/chat/completions";
  body: BodyInit;
  headers?: Record<string, string>;
  status: number[];
  code?: string | RegExp;
}

export const json = (value: unknown) => JSON.stringify(value);
export const chat = (content: unknown, extra: Record<string, unknown> = {}) =>
  json({ model: "hunyuan-ocr", messages: [{ role: "user", content }], ...extra });
export const imagePart = (url: string) => [
  { type: "image_url", image_url: { url } },
  { type: "text", text: "提取图中的文字。" },
];
export const upload = (bytes: Uint8Array, fields: Record<string, string> = {}, name = "doc.bin") => {
  const form = new FormData();
  form.set("file", new Blob([new Uint8Array(bytes)]), name);
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  return form;
};
export const mistral = (document: unknown, extra: Record<string, unknown> = {}) =>
  json({ document, ...extra });

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type), data])));
  return Buffer.concat([length, Buffer.from(type), data, crc]);
}

/** A tiny PNG file that declares `width`×`height` pixels: a decompression bomb if anything decoded it. */
export function pngBomb(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", header),
    pngChunk("IDAT", deflateSync(Buffer.alloc(1024))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

export function seededBytes(seed: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = state & 0xff;
  }
  return bytes;
}
