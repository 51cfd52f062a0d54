import { describe, expect, it } from "vitest";
import {
  buildReceiptPdf,
  type ErrorBody,
  enlargedReceipt,
  exifRotatedReceipt,
  postOcrForm,
  postOcrJson,
  readSseEvents,
  receiptVideo,
  sentImage,
  sentPrompt,
  storedSize,
  upstreamBodies,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";
import { lacks } from "../support/system-tools.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;

async function json(response: Response): Promise<Json> {
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** Spotting answer: receipt 000's first line at 0–1000 coordinates (156,25),(704,63). */
const SPOTTING = "TAN WOON YANN(156,25),(704,63)";

function expectedBox(width: number, height: number) {
  const x = (value: number) => Math.round((value * width) / 1000);
  const y = (value: number) => Math.round((value * height) / 1000);
  return { x1: x(156), y1: y(25), x2: x(704), y2: y(63) };
}

describe("documents", () => {
  const bed = useOcrGateway({ PAGE_CONCURRENCY: "2" });

  describe("multi-page PDF", () => {
    it("reads the selected 0-based pages [0, 2] in order, one upstream request per page, with dpi", async () => {
      const pdf = Buffer.from(await buildReceiptPdf(3)).toString("base64");
      let calls = 0;
      bed.emulator.setDefaultAnswer(() => ({ text: `answer ${calls++}` }));
      const body = await json(
        await postOcrJson(bed.gateway.url, {
          model: "mistral-ocr-latest",
          document: { type: "document_url", document_url: `data:application/pdf;base64,${pdf}` },
          pages: [0, 2],
        }),
      );
      expect(body.pages.map((page: Json) => page.index)).toEqual([0, 2]);
      expect(body.usage_info.pages_processed).toBe(2);
      expect(upstreamBodies(bed.emulator)).toHaveLength(2);
      for (const page of body.pages) {
        expect(page.dimensions).toEqual({
          width: expect.any(Number),
          height: expect.any(Number),
          dpi: expect.any(Number),
        });
        expect(page.dimensions.dpi).toBeGreaterThanOrEqual(72);
      }
      // Page 2 is 80 pt narrower than page 0 at the same height: the pages were not mixed up.
      const aspect = ({ dimensions }: Json) => dimensions.width / dimensions.height;
      expect(aspect(body.pages[0])).toBeCloseTo(595.28 / 841.89, 2);
      expect(aspect(body.pages[1])).toBeCloseTo(515.28 / 841.89, 2);
    });

    it('accepts a page range "1-2" in a multipart form; the receipt page is rendered from the embedded JPEG', async () => {
      bed.emulator.setDefaultAnswer(() => ({ text: "TOTAL: 9.00" }));
      const body = await json(
        await postOcrForm(
          bed.gateway.url,
          { bytes: await buildReceiptPdf(4), name: "receipts.pdf" },
          { pages: "1-2" },
        ),
      );
      expect(body.pages.map((page: Json) => page.index)).toEqual([1, 2]);
      const sent = await Promise.all(upstreamBodies(bed.emulator).map(sentImage));
      expect(sent).toHaveLength(2);
      const sizes = sent.map(({ width, height }) => ({ width, height }));
      const dims = body.pages.map(({ dimensions }: Json) => ({
        width: dimensions.width,
        height: dimensions.height,
      }));
      expect(sizes.sort((a, b) => a.width - b.width)).toEqual(
        dims.sort((a: Json, b: Json) => a.width - b.width),
      );
      expect(sentPrompt(upstreamBodies(bed.emulator)[0] ?? {})).toBe("提取图中的文字。");
    });

    it("runs PAGE_CONCURRENCY pages at once, returns them in document order even when a later page finishes first", async () => {
      let arrivals = 0;
      let peak = 0;
      bed.emulator.setDefaultAnswer(() => {
        const n = arrivals++;
        peak = Math.max(peak, bed.emulator.runningRequests + 1);
        // The first page to arrive is slow (long enough for the next page to be rendered, as a document's
        // pages render one at a time when the PDF renderer keeps a worker free for other documents), so the
        // pages after it overtake it.
        return n === 0
          ? { tokens: ["slow ", "page ", "answer ", `${n}`], tokenDelayMs: 1000 }
          : { tokens: ["answer ", `${n}`], tokenDelayMs: 5 };
      });
      const response = await postOcrForm(
        bed.gateway.url,
        { bytes: await buildReceiptPdf(4), name: "receipts.pdf" },
        { stream: "true" },
      );
      expect(response.status).toBe(200);
      const events = await readSseEvents(response);
      const done = events.find((event) => event.event === "done")?.data as Json;
      expect(done.pages.map((page: Json) => page.index)).toEqual([0, 1, 2, 3]);
      expect(peak).toBe(2);

      const finishOrder = events
        .filter((event) => event.event === "page.done")
        .map((event) => (event.data as Json).index);
      expect(finishOrder).toHaveLength(4);
      expect(finishOrder).not.toEqual([0, 1, 2, 3]);

      // Each page carries the answer to its own image: match upstream requests to pages by image size.
      const bodies = upstreamBodies(bed.emulator);
      for (const page of done.pages) {
        const n = Number(/answer (\d+)$/.exec(page.text)?.[1]);
        const image = await sentImage(bodies[n] ?? {});
        expect({ width: image.width, height: image.height }).toEqual({
          width: page.dimensions.width,
          height: page.dimensions.height,
        });
      }
    });
  });

  describe("boxes in pixels of the original image", () => {
    it("EXIF orientation 6: boxes and dimensions in the upright image, which is what goes upstream", async () => {
      const photo = await exifRotatedReceipt("000");
      expect(await storedSize(photo)).toEqual({ width: 1013, height: 463 });
      bed.emulator.script({ text: SPOTTING });
      const body = await json(
        await postOcrForm(bed.gateway.url, { bytes: photo, name: "photo.jpg" }, { task: "spotting" }),
      );
      const page = body.pages[0];
      expect(page.dimensions).toMatchObject({ width: 463, height: 1013 });
      expect(page.boxes[0]).toMatchObject({
        text: "TAN WOON YANN",
        box: { x1: 72, y1: 25, x2: 326, y2: 64 },
      });
      const sent = await sentImage(upstreamBodies(bed.emulator)[0] ?? {});
      expect({ width: sent.width, height: sent.height }).toEqual({ width: 463, height: 1013 });
    });

    it("a 5000 px tall scan is downscaled for the model, but dimensions and boxes stay in its own pixels", async () => {
      const large = await enlargedReceipt("000", 5000);
      const original = await storedSize(large);
      expect(original.height).toBe(5000);
      bed.emulator.script({ text: SPOTTING });
      const body = await json(
        await postOcrForm(bed.gateway.url, { bytes: large, name: "large.jpg" }, { task: "spotting" }),
      );
      const page = body.pages[0];
      expect(page.dimensions).toMatchObject(original);
      expect(page.boxes[0].box).toEqual(expectedBox(original.width, original.height));

      const sent = await sentImage(upstreamBodies(bed.emulator)[0] ?? {});
      expect(sent.height).toBeLessThan(5000);
      expect(sent.width * sent.height).toBeLessThanOrEqual(2048 * 2048);
      expect(sent.width / sent.height).toBeCloseTo(original.width / original.height, 2);
    });

    it("document figures on a downscaled scan are cropped from the right region", async () => {
      const large = await enlargedReceipt("000", 5000);
      const original = await storedSize(large);
      bed.emulator.script({ text: "# Receipt\n\nLogo(0,0),(500,500)" });
      const body = await json(
        await postOcrJson(bed.gateway.url, {
          document: { type: "image_url", image_url: `data:image/jpeg;base64,${large.toString("base64")}` },
          task: "document",
          include_image_base64: true,
        }),
      );
      const [figure] = body.pages[0].images;
      expect(figure).toMatchObject({
        top_left_x: 0,
        top_left_y: 0,
        bottom_right_x: Math.round(original.width / 2),
        bottom_right_y: Math.round(original.height / 2),
      });
      const crop = await storedSize(Buffer.from(figure.image_base64.split(",")[1], "base64"));
      const sent = await sentImage(upstreamBodies(bed.emulator)[0] ?? {});
      // The crop is taken from the image sent to the model: half of it in each direction.
      expect(crop.width).toBeCloseTo(sent.width / 2, -1);
      expect(crop.height).toBeCloseTo(sent.height / 2, -1);
    });
  });

  describe.skipIf(lacks("ffmpeg"))("video", () => {
    it("reads subtitle frames at the given timestamps with ffmpeg", async () => {
      const video = await receiptVideo("000");
      bed.emulator.script({ text: "第一句\nFirst line" }, { text: "第二句\nSecond line" });
      const body = await json(
        await postOcrForm(
          bed.gateway.url,
          { bytes: video, name: "clip.mp4", type: "video/mp4" },
          { task: "subtitles", timestamps: "[0.5, 1.5]" },
        ),
      );
      expect(body.pages.map((page: Json) => page.index)).toEqual([0, 1]);
      // Both frames show the same still image, so which answer lands on which frame depends on arrival order.
      expect(body.pages.map((page: Json) => page.lines)).toEqual(
        expect.arrayContaining([
          ["第一句", "First line"],
          ["第二句", "Second line"],
        ]),
      );
      const sent = await Promise.all(upstreamBodies(bed.emulator).map(sentImage));
      expect(sent.map(({ width, height }) => ({ width, height }))).toEqual([
        { width: 462, height: 1012 },
        { width: 462, height: 1012 },
      ]);
      expect(sentPrompt(upstreamBodies(bed.emulator)[0] ?? {})).toBe("提取图片中的字幕。");

      const late = await postOcrForm(
        bed.gateway.url,
        { bytes: video, name: "clip.mp4", type: "video/mp4" },
        { task: "subtitles", timestamps: "[1, 30]" },
      );
      expect(late.status).toBe(400);
      expect(((await late.json()) as ErrorBody).error.code).toBe("timestamp_out_of_range");
      expect(bed.emulator.chatRequests).toHaveLength(2);
    });
  });
});

describe.skipIf(lacks("ffmpeg"))("without ffmpeg", () => {
  const bed = useOcrGateway({ FFMPEG_PATH: "/nonexistent/ffmpeg" });

  it("answers a video with 501 ffmpeg_not_available and still reads images", async () => {
    const response = await postOcrForm(
      bed.gateway.url,
      { bytes: await receiptVideo("000"), name: "clip.mp4", type: "video/mp4" },
      { task: "subtitles" },
    );
    expect(response.status).toBe(501);
    expect(((await response.json()) as ErrorBody).error.code).toBe("ffmpeg_not_available");
    expect(bed.emulator.chatRequests).toHaveLength(0);

    bed.emulator.script({ text: "TOTAL: 9.00" });
    const photo = await exifRotatedReceipt("000");
    const after = await postOcrForm(
      bed.gateway.url,
      { bytes: photo, name: "photo.jpg" },
      { task: "subtitles" },
    );
    expect(after.status).toBe(200);
  });
});
