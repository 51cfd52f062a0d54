import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PDFDocument, rgb, StandardFonts } from "pdf-lib";
import sharp from "sharp";
import { afterAll, afterEach, beforeAll } from "vitest";
import { readReceipt, receiptPath } from "./fixtures.ts";
import { type RunningGateway, startGateway } from "./gateway-harness.ts";
import type { RecordedRequest } from "./vllm-emulator/index.ts";
import { VllmEmulator } from "./vllm-emulator/index.ts";

const run = promisify(execFile);

/** An emulator and a gateway pointed at it; the fields are filled by `beforeAll`. */
export interface OcrTestBed {
  emulator: VllmEmulator;
  gateway: RunningGateway;
}

/**
 * Registers vitest hooks that start a vLLM emulator and a gateway using it (with `env` added), reset the
 * emulator after each test and close both at the end. Read the fields inside tests, not at module load.
 */
export function useOcrGateway(env: Record<string, string> = {}): OcrTestBed {
  const bed = {} as OcrTestBed;
  beforeAll(async () => {
    bed.emulator = await VllmEmulator.start();
    bed.gateway = await startGateway({
      VLLM_URL: bed.emulator.url,
      UPSTREAM_TOTAL_TIMEOUT_MS: "5000",
      ...env,
    });
  });
  afterAll(async () => {
    await bed.gateway?.close();
    await bed.emulator?.close();
  });
  afterEach(() => bed.emulator.reset());
  return bed;
}

export interface UploadedFile {
  bytes: Uint8Array;
  name?: string;
  type?: string;
}

/** `POST /v1/ocr` as multipart/form-data: `file` plus string form fields, as curl or python-requests send it. */
export function postOcrForm(
  baseUrl: string,
  file: UploadedFile | undefined,
  fields: Record<string, string> = {},
  init: RequestInit = {},
): Promise<Response> {
  const form = new FormData();
  if (file) {
    form.append(
      "file",
      new Blob([new Uint8Array(file.bytes)], { type: file.type ?? "application/octet-stream" }),
      file.name ?? "upload.bin",
    );
  }
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return fetch(`${baseUrl}/v1/ocr`, { method: "POST", body: form, ...init });
}

/** `POST /v1/ocr` with a Mistral-style JSON body. */
export function postOcrJson(baseUrl: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${baseUrl}/v1/ocr`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...init,
  });
}

/** A receipt scan as an upload. */
export function receiptUpload(id = "000"): UploadedFile {
  return { bytes: readReceipt(id), name: `${id}.jpg`, type: "image/jpeg" };
}

/** The chat request bodies the gateway sent to vLLM, oldest first. */
export function upstreamBodies(emulator: VllmEmulator): Array<Record<string, unknown>> {
  return emulator.chatRequests.map((request: RecordedRequest) => request.body as Record<string, unknown>);
}

interface SentMessage {
  role: string;
  content: string | Array<{ type: string; text?: string; image_url?: { url: string } }>;
}

/** The instruction text of one upstream request (the user message's text part). */
export function sentPrompt(body: Record<string, unknown>): string | undefined {
  const messages = body.messages as SentMessage[];
  const content = messages.at(-1)?.content;
  return Array.isArray(content) ? content.find((part) => part.type === "text")?.text : undefined;
}

/** Decodes the image of one upstream request and reads its size and format with sharp. */
export async function sentImage(
  body: Record<string, unknown>,
): Promise<{ url: string; width: number; height: number; format: string | undefined; bytes: Buffer }> {
  const messages = body.messages as SentMessage[];
  const content = messages.at(-1)?.content;
  const url = Array.isArray(content)
    ? (content.find((part) => part.type === "image_url")?.image_url?.url ?? "")
    : "";
  const bytes = Buffer.from(url.slice(url.indexOf(",") + 1), "base64");
  const { width = 0, height = 0, format } = await sharp(bytes).metadata();
  return { url, width, height, format, bytes };
}

/** Size of an image file in its stored pixels (EXIF orientation not applied). */
export async function storedSize(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  return { width, height };
}

/**
 * A phone-style photo of receipt `id`: the pixels are stored turned 90° counter-clockwise and EXIF
 * orientation 6 tells viewers to turn them back, so the upright image is the receipt as scanned.
 */
export async function exifRotatedReceipt(id = "000"): Promise<Buffer> {
  const sideways = await sharp(readReceipt(id)).rotate(-90).toBuffer();
  return sharp(sideways).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
}

/** Receipt `id` upscaled to `height` pixels (aspect kept), so the gateway must downscale it. */
export function enlargedReceipt(id: string, height: number): Promise<Buffer> {
  return sharp(readReceipt(id)).resize({ height }).jpeg({ quality: 80 }).toBuffer();
}

/**
 * A PDF of `pageCount` pages, 842 pt tall: page 0 is A4 and each next page is 40 pt narrower, so every page's
 * rendered image has its own aspect ratio (tests match upstream requests to pages by image size). Page 1
 * (0-based) holds receipt `000` as an embedded JPEG; every page has a heading "Page N" in Helvetica.
 */
export async function buildReceiptPdf(pageCount = 3): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const receipt = await pdf.embedJpg(readReceipt("000"));
  for (let index = 0; index < pageCount; index++) {
    const page = pdf.addPage([595.28 - 40 * index, 841.89]);
    page.drawText(`Page ${index + 1}`, { x: 72, y: 760, size: 28, font, color: rgb(0, 0, 0) });
    if (index === 1) page.drawImage(receipt, { x: 150, y: 100, width: 280, height: (280 * 1013) / 463 });
  }
  return pdf.save();
}

const videos = new Map<string, Promise<Buffer>>();

/**
 * A 2-second MP4 (H.264, 462×1012) made of receipt `id` as a still frame, built once per test file with
 * ffmpeg.
 */
export function receiptVideo(id = "000"): Promise<Buffer> {
  let video = videos.get(id);
  if (video === undefined) {
    video = encodeReceiptVideo(id);
    videos.set(id, video);
  }
  return video;
}

async function encodeReceiptVideo(id: string): Promise<Buffer> {
  const folder = await mkdtemp(path.join(tmpdir(), "ocr-test-video-"));
  try {
    const output = path.join(folder, "receipt.mp4");
    await run(
      "ffmpeg",
      [
        ...["-v", "error", "-loop", "1", "-i", receiptPath(id), "-t", "2", "-r", "5"],
        ...["-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-pix_fmt", "yuv420p", "-c:v", "libx264", output],
      ],
      { timeout: 30_000 },
    );
    return await readFile(output);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads a whole Server-Sent Events body into its events (`event:` name and parsed `data:` JSON). */
export async function readSseEvents(response: Response): Promise<SseEvent[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice(7) ?? "message";
      const data = lines
        .filter((line) => line.startsWith("data: "))
        .map((line) => line.slice(6))
        .join("\n");
      return { event, data: JSON.parse(data) as unknown };
    });
}

/** Reads a streamed `/v1/ocr` answer until its first `delta` event: the model is generating by then. */
export async function readUntilFirstDelta(response: Response): Promise<void> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let received = "";
  while (!received.includes("event: delta")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the stream ended before its first delta");
    received += new TextDecoder().decode(value);
  }
}

/** The error envelope every 4xx/5xx carries. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}
