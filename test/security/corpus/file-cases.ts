import { readReceipt } from "../../support/fixtures.ts";
import { type BadInputCase, chat, mistral, pngBomb, seededBytes, upload } from "./request-builders.ts";

/** Broken files: truncated and scrambled receipts, random bytes, wrong formats, decompression bombs, oversized bodies. */
export function fileCases(limit: number): BadInputCase[] {
  const cases: BadInputCase[] = [];
  const add = (entry: BadInputCase) => cases.push(entry);
  // Truncated and corrupted real receipts.
  for (const id of ["000", "001", "002", "004", "005", "006", "007", "023"]) {
    const bytes = readReceipt(id);
    for (const fraction of [0.3, 0.7]) {
      add({
        name: `receipt ${id} truncated at ${fraction * 100}%`,
        path: "/v1/ocr",
        body: upload(new Uint8Array(bytes.subarray(0, Math.floor(bytes.length * fraction)))),
        status: [400],
        code: "invalid_image",
      });
    }
    const scrambled = Buffer.from(bytes);
    scrambled.fill(0x5a, 200, 2_000);
    add({
      name: `receipt ${id} with a scrambled header`,
      path: "/v1/ocr",
      body: upload(scrambled),
      status: [400, 415],
    });
  }
  for (let seed = 1; seed <= 10; seed++) {
    add({
      name: `random bytes #${seed}`,
      path: "/v1/ocr",
      body: upload(seededBytes(seed, 4096)),
      status: [415],
      code: "unsupported_media_type",
    });
  }
  add({
    name: "empty file",
    path: "/v1/ocr",
    body: upload(new Uint8Array(0)),
    status: [400],
    code: "empty_file",
  });
  add({
    name: "a text file",
    path: "/v1/ocr",
    body: upload(Buffer.from("hello, I am text\n".repeat(20)), {}, "a.txt"),
    status: [415],
  });
  add({
    name: "an HTML file",
    path: "/v1/ocr",
    body: upload(Buffer.from("<!doctype html><html></html>")),
    status: [415],
  });
  add({
    name: "a zip file",
    path: "/v1/ocr",
    body: upload(Buffer.from([0x50, 0x4b, 0x03, 0x04, ...seededBytes(9, 300)])),
    status: [415],
  });
  add({
    name: "a corrupt PDF",
    path: "/v1/ocr",
    body: upload(Buffer.from("%PDF-1.7\n1 0 obj <<>> garbage")),
    status: [400],
    code: "invalid_pdf",
  });
  add({
    name: "a truncated GIF",
    path: "/v1/ocr",
    body: upload(Buffer.from("GIF89a\x10\x00\x10\x00")),
    status: [400, 415],
  });

  // Decompression bombs.
  for (const [width, height] of [
    [30_000, 30_000],
    [100_000, 2_000],
    [65_535, 65_535],
    [20_000, 20_000],
  ]) {
    add({
      name: `PNG bomb ${width}x${height}`,
      path: "/v1/ocr",
      body: upload(pngBomb(width as number, height as number)),
      status: [413, 400],
    });
  }
  add({
    name: "PNG with extreme aspect ratio",
    path: "/v1/ocr",
    body: upload(pngBomb(10_000, 10)),
    status: [400],
  });

  // Oversized bodies.
  const huge = Buffer.alloc(limit + 1024, 0x41);
  add({
    name: "oversized multipart upload",
    path: "/v1/ocr",
    body: upload(huge),
    status: [413],
    code: "body_too_large",
  });
  add({
    name: "oversized JSON chat body",
    path: "/v1/chat/completions",
    body: chat("x".repeat(limit + 10)),
    headers: { "content-type": "application/json" },
    status: [413],
    code: "body_too_large",
  });
  add({
    name: "oversized Mistral JSON",
    path: "/v1/ocr",
    body: mistral({ type: "image_url", image_url: `data:image/png;base64,${"A".repeat(limit)}` }),
    headers: { "content-type": "application/json" },
    status: [413],
  });

  return cases;
}
