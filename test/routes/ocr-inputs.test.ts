import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readReceipt, receiptDataUrl } from "../support/fixtures.ts";
import {
  buildReceiptPdf,
  type ErrorBody,
  postOcrForm,
  postOcrJson,
  receiptUpload,
  sentImage,
  sentPrompt,
  upstreamBodies,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;

const totalSchema = {
  type: "object",
  properties: { total: { type: "string" }, date: { type: "string" } },
  required: ["total", "date"],
  additionalProperties: false,
};

/** A loopback server standing in for a customer's file host; counts the requests it got. */
function startFileServer(): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const receipt = readReceipt("001");
  const server = createServer((request, response) => {
    hits++;
    if (request.url === "/receipt.jpg") {
      response.writeHead(200, { "content-type": "image/jpeg", "content-length": receipt.length });
      response.end(receipt);
    } else {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/receipt.jpg`, hits: () => hits });
    });
  });
}

let files: Awaited<ReturnType<typeof startFileServer>>;
beforeAll(async () => {
  files = await startFileServer();
});
afterAll(() => new Promise<void>((resolve) => files.server.close(() => resolve())));

describe("with loopback URLs allowed", () => {
  const bed = useOcrGateway({ FETCH_ALLOWED_PRIVATE_HOSTS: "127.0.0.1" });

  async function json(response: Response, status = 200): Promise<Json> {
    const body = (await response.json()) as Json;
    expect(response.status, JSON.stringify(body)).toBe(status);
    return body;
  }

  describe("multipart form fields", () => {
    it("takes `schema` as a JSON string: keys come from its properties, the schema goes to vLLM", async () => {
      bed.emulator.script({ text: '{"total": "9.00", "date": "25/12/2018"}' });
      const body = await json(
        await postOcrForm(bed.gateway.url, receiptUpload("000"), {
          task: "fields",
          schema: JSON.stringify(totalSchema),
          language: "en",
        }),
      );
      expect(body.fields).toEqual({ total: "9.00", date: "25/12/2018" });
      const [sent] = upstreamBodies(bed.emulator);
      expect(sentPrompt(sent ?? {})).toBe(
        "Extract the content of the fields: ['total','date'] from the image and return it in JSON format.",
      );
      expect(sent?.response_format).toEqual({
        type: "json_schema",
        json_schema: { name: "fields", schema: totalSchema, strict: true },
      });
    });

    it("picks the fields task when only `fields` is given", async () => {
      bed.emulator.script({ text: '{"total": "9.00"}' });
      const body = await json(await postOcrForm(bed.gateway.url, receiptUpload("000"), { fields: "total" }));
      expect(body.task).toBe("fields");
      expect(body.fields).toEqual({ total: "9.00" });
    });
  });

  describe("Mistral-style JSON", () => {
    it("reads an image_url document given as a string or as {url}", async () => {
      for (const imageUrl of [receiptDataUrl("000"), { url: receiptDataUrl("000") }]) {
        bed.emulator.script({ text: "TOTAL: 9.00" });
        const body = await json(
          await postOcrJson(bed.gateway.url, {
            model: "mistral-ocr-latest",
            document: { type: "image_url", image_url: imageUrl },
          }),
        );
        expect(body.pages[0].markdown).toBe("TOTAL: 9.00");
      }
      const images = await Promise.all(upstreamBodies(bed.emulator).map(sentImage));
      expect(images.map((image) => image.url)).toEqual([receiptDataUrl("000"), receiptDataUrl("000")]);
    });

    it("reads a request without a task as a document, as Mistral OCR does (Markdown, figures)", async () => {
      bed.emulator.script({ text: "# Receipt\n\nLogo(100,50),(500,200)\n\nTOTAL: 9.00" });
      const body = await json(
        await postOcrJson(bed.gateway.url, {
          model: "mistral-ocr-latest",
          document: { type: "image_url", image_url: receiptDataUrl("000") },
        }),
      );
      expect(body.task).toBe("document");
      expect(body.pages[0].markdown).toBe("# Receipt\n\nLogo\n\nTOTAL: 9.00");
      expect(body.pages[0].images).toHaveLength(1);
      expect(sentPrompt(upstreamBodies(bed.emulator)[0] ?? {})).toMatch(
        /^提取文档图片中正文的所有信息用markdown格式表示/,
      );
    });

    it("turns document_annotation_format into field extraction with a document_annotation string", async () => {
      bed.emulator.script({ text: '{"total": "9.00", "date": "25/12/2018"}' });
      const body = await json(
        await postOcrJson(bed.gateway.url, {
          model: "mistral-ocr-latest",
          document: { type: "image_url", image_url: receiptDataUrl("000") },
          document_annotation_format: {
            type: "json_schema",
            json_schema: { name: "receipt", schema: totalSchema },
          },
        }),
      );
      expect(body.task).toBe("fields");
      expect(typeof body.document_annotation).toBe("string");
      expect(JSON.parse(body.document_annotation)).toEqual({ total: "9.00", date: "25/12/2018" });
      const [sent] = upstreamBodies(bed.emulator);
      expect(sentPrompt(sent ?? {})).toBe("提取图片中的: ['total','date'] 的字段内容，并按照JSON格式返回。");
      expect(sent?.response_format).toMatchObject({ json_schema: { name: "receipt", schema: totalSchema } });
    });

    it("reads a document_url PDF data URL with 0-based pages", async () => {
      const pdf = Buffer.from(await buildReceiptPdf(3)).toString("base64");
      bed.emulator.setDefaultAnswer(() => ({ text: "page text" }));
      const body = await json(
        await postOcrJson(bed.gateway.url, {
          model: "mistral-ocr-latest",
          document: { type: "document_url", document_url: `data:application/pdf;base64,${pdf}` },
          pages: [1],
        }),
      );
      expect(body.pages.map((page: Json) => page.index)).toEqual([1]);
      expect(body.pages[0].dimensions.dpi).toBeGreaterThan(0);
      expect(bed.emulator.chatRequests).toHaveLength(1);
    });
  });

  describe("http(s) documents", () => {
    it("fetches an allowed URL and sends its image to the model as a data: URL", async () => {
      bed.emulator.script({ text: "TOTAL: 11.00" });
      const before = files.hits();
      const body = await json(
        await postOcrJson(bed.gateway.url, { document: { type: "image_url", image_url: files.url } }),
      );
      expect(body.text).toBe("TOTAL: 11.00");
      expect(files.hits()).toBe(before + 1);
      const image = await sentImage(upstreamBodies(bed.emulator)[0] ?? {});
      expect(image.url).toBe(receiptDataUrl("001"));
    });
  });

  describe("bad inputs get a 4xx with a stable code, and the gateway keeps answering", () => {
    const receipt = readReceipt("000");
    const cases: Array<[string, () => Promise<Response>, number, string]> = [
      [
        "a truncated JPEG",
        () =>
          postOcrForm(
            bed.gateway.url,
            { bytes: receipt.subarray(0, receipt.length / 2), name: "cut.jpg" },
            {},
          ),
        400,
        "invalid_image",
      ],
      [
        "a text file",
        () =>
          postOcrForm(bed.gateway.url, {
            bytes: Buffer.from("TOTAL 9.00\n"),
            name: "notes.txt",
            type: "text/plain",
          }),
        415,
        "unsupported_media_type",
      ],
      [
        "an empty file",
        () => postOcrForm(bed.gateway.url, { bytes: new Uint8Array(0), name: "empty.jpg" }),
        400,
        "empty_file",
      ],
      [
        "a schema form field that is not JSON",
        () => postOcrForm(bed.gateway.url, receiptUpload(), { task: "fields", schema: "{type: object" }),
        400,
        "invalid_schema",
      ],
      [
        "a JSON schema string that is not JSON",
        () =>
          postOcrJson(bed.gateway.url, {
            document: { type: "image_url", image_url: receiptDataUrl() },
            schema: "{type: object",
          }),
        400,
        "invalid_schema",
      ],
      [
        "an unknown task",
        () => postOcrForm(bed.gateway.url, receiptUpload(), { task: "summarise" }),
        404,
        "unknown_task",
      ],
      [
        "an unknown model",
        () =>
          postOcrJson(bed.gateway.url, {
            model: "gpt-4o",
            document: { type: "image_url", image_url: receiptDataUrl() },
          }),
        404,
        "model_not_found",
      ],
      [
        "a form without a file",
        () => postOcrForm(bed.gateway.url, undefined, { task: "text" }),
        400,
        "missing_file",
      ],
      [
        "JSON without a document",
        () => postOcrJson(bed.gateway.url, { model: "mistral-ocr-latest" }),
        400,
        "missing_document",
      ],
      [
        "a strip of a receipt with an aspect ratio vLLM rejects",
        async () => {
          const strip = await sharp(receipt).resize(4020, 20, { fit: "fill" }).jpeg().toBuffer();
          return postOcrForm(bed.gateway.url, { bytes: strip, name: "strip.jpg" });
        },
        400,
        "image_aspect_ratio_too_large",
      ],
      [
        "a page past the end of a PDF",
        async () =>
          postOcrForm(
            bed.gateway.url,
            { bytes: await buildReceiptPdf(3), name: "r.pdf" },
            { pages: "[0, 5]" },
          ),
        400,
        "page_out_of_range",
      ],
      [
        "a data: URL that is not base64",
        () =>
          postOcrJson(bed.gateway.url, {
            document: { type: "image_url", image_url: "data:image/jpeg,TOTAL%209.00" },
          }),
        400,
        "invalid_data_url",
      ],
      [
        "a data: URL with non-base64 characters",
        () =>
          postOcrJson(bed.gateway.url, {
            document: { type: "image_url", image_url: "data:image/jpeg;base64,@@@not base64@@@" },
          }),
        400,
        "invalid_data_url",
      ],
      [
        "a text/plain body",
        () =>
          fetch(`${bed.gateway.url}/v1/ocr`, {
            method: "POST",
            body: "hello",
            headers: { "content-type": "text/plain" },
          }),
        415,
        "unsupported_content_type",
      ],
    ];

    it.each(cases)("%s", async (_name, send, status, code) => {
      const response = await send();
      const body = (await response.json()) as ErrorBody;
      expect({ status: response.status, code: body.error?.code }).toEqual({ status, code });
      expect(body.error.message).toEqual(expect.any(String));
      expect(body.error.type).toEqual(expect.any(String));
      expect(response.headers.get("x-request-id")).toBeTruthy();
      expect(bed.emulator.chatRequests).toHaveLength(0);

      bed.emulator.script({ text: "still here" });
      const after = await postOcrForm(bed.gateway.url, receiptUpload("002"), { task: "text" });
      expect(after.status).toBe(200);
      expect(((await after.json()) as Json).text).toBe("still here");
    });
  });
});

describe("with the default URL policy", () => {
  const bed = useOcrGateway();

  it("refuses a loopback URL with 403 url_not_allowed and never connects to it", async () => {
    const before = files.hits();
    const response = await postOcrJson(bed.gateway.url, {
      document: { type: "image_url", image_url: files.url },
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorBody).error.code).toBe("url_not_allowed");
    expect(files.hits()).toBe(before);
    expect(bed.emulator.chatRequests).toHaveLength(0);
  });
});
