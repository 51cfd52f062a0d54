import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { characterErrorRate } from "../../gateway/eval/text-metrics.ts";
import { buildSamplePdf, encryptPdf } from "../documents/pdf-fixtures.ts";
import {
  checkPdf,
  embeddedImages,
  pdfText,
  pdfWords,
  renderPdfPage,
} from "../output-formats/support/poppler.ts";
import { readReceipt } from "../support/fixtures.ts";
import { postOcrForm, postOcrJson, useOcrGateway } from "../support/ocr-fixtures.ts";
import { lacks } from "../support/system-tools.ts";

const run = promisify(execFile);
const bed = useOcrGateway();

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;

async function ocrJson(bytes: Uint8Array, name: string, fields: Record<string, string> = {}): Promise<Json> {
  const response = await postOcrForm(bed.gateway.url, { bytes, name }, { task: "spotting", ...fields });
  expect(response.status).toBe(200);
  return response.json();
}

async function ocrArchive(
  bytes: Uint8Array,
  name: string,
  format: string,
  fields: Record<string, string> = {},
) {
  const response = await postOcrForm(bed.gateway.url, { bytes, name }, { output_format: format, ...fields });
  const body = Buffer.from(await response.arrayBuffer());
  return { response, body };
}

async function rawPixels(image: Uint8Array): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(image)
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** How often each word occurs. */
function wordCounts(words: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}

/** Every word poppler extracts (in points) lies inside a line box the JSON answer reported (in pixels). */
function expectWordsInsideBoxes(words: Awaited<ReturnType<typeof pdfWords>>, json: Json, pxPerPt: number[]) {
  expect(words.length).toBeGreaterThan(0);
  for (const word of words) {
    const scale = pxPerPt[word.page] ?? 1;
    const boxes: Json[] = json.pages[word.page].boxes;
    const tolerance = 1.5;
    const inside = boxes.some(
      ({ box }) =>
        word.xMin * scale >= box.x1 - tolerance &&
        word.xMax * scale <= box.x2 + tolerance &&
        word.yMin * scale >= box.y1 - tolerance &&
        word.yMax * scale <= box.y2 + tolerance &&
        ` ${json.pages[word.page].boxes.find((b: Json) => b.box === box).text} `.includes(word.text),
    );
    expect(inside, `"${word.text}" at ${JSON.stringify(word)}`).toBe(true);
  }
}

describe.skipIf(lacks("poppler", "qpdf", "xmllint"))("output_format=pdf from an image", () => {
  it("copies out the text /v1/ocr returned, each word inside its reported box", async () => {
    const receipt = readReceipt("000");
    const json = await ocrJson(receipt, "000.jpg");
    const { response, body } = await ocrArchive(receipt, "000.jpg", "pdf");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("content-disposition")).toContain('filename="000.pdf"');
    expect(characterErrorRate(json.text, await pdfText(body))).toBeLessThanOrEqual(0.01);
    const { density } = await sharp(receipt).metadata();
    expectWordsInsideBoxes(await pdfWords(body), json, [(density ?? 72) / 72]);
  });

  it("keeps the scan's pixels: a JPEG is embedded as it came, a PNG losslessly", async () => {
    const receipt = readReceipt("000");
    const { density } = await sharp(receipt).metadata();
    const fromJpeg = (await ocrArchive(receipt, "000.jpg", "pdf")).body;
    const jpegPage = await rawPixels(await renderPdfPage(fromJpeg, 0, density ?? 72));
    const original = await rawPixels(receipt);
    expect([jpegPage.width, jpegPage.height]).toEqual([original.width, original.height]);
    // The JPEG stream is the file itself, byte for byte, drawn at its own resolution.
    expect((await embeddedImages(fromJpeg))[0]?.equals(receipt)).toBe(true);

    // No resolution stated: one pixel per point.
    const png = await sharp(receipt).withMetadata({ density: 72 }).png().toBuffer();
    const fromPng = (await ocrArchive(png, "000.png", "pdf")).body;
    const pngPage = await rawPixels(await renderPdfPage(fromPng, 0, 72));
    expect([pngPage.width, pngPage.height]).toEqual([original.width, original.height]);
    expect(pngPage.data.equals((await rawPixels(png)).data)).toBe(true);
  });

  it("copies Chinese text out as Chinese", async () => {
    bed.emulator.script({ text: "发票号码 12345(100,100),(600,150)合计金额 RM 9.00(100,200),(700,250)" });
    const json = await ocrJson(readReceipt("000"), "000.jpg");
    expect(json.text).toContain("合计金额");
    bed.emulator.script({ text: "发票号码 12345(100,100),(600,150)合计金额 RM 9.00(100,200),(700,250)" });
    const { body } = await ocrArchive(readReceipt("000"), "000.jpg", "pdf");
    const text = await pdfText(body);
    expect(text).toContain("发票号码");
    expect(text).toContain("合计金额");
    expect(characterErrorRate(json.text, text)).toBeLessThanOrEqual(0.01);
  });

  it("is a well-formed PDF with PDF/A-2b metadata, an output intent and the gateway as producer", async () => {
    const { body } = await ocrArchive(readReceipt("000"), "000.jpg", "pdf");
    const { check, info, xmp } = await checkPdf(body);
    expect(check).toContain("No syntax or stream encoding errors found");
    expect(xmp).toMatch(/<pdfaid:part>2<\/pdfaid:part>/);
    expect(xmp).toMatch(/<pdfaid:conformance>B<\/pdfaid:conformance>/);
    expect(info).toMatch(/Producer:\s+ocr-gateway/);
    expect(Buffer.from(body).includes("/OutputIntents")).toBe(true);
  });
});

describe.skipIf(lacks("poppler", "qpdf", "xmllint"))("output_format=pdf from a PDF", () => {
  it("keeps every page's appearance and adds the text of the selected pages", async () => {
    const source = await buildSamplePdf();
    const json = await ocrJson(source, "sample.pdf");
    const { response, body } = await ocrArchive(source, "sample.pdf", "pdf");
    expect(response.status).toBe(200);
    expect(json.pages).toHaveLength(3);
    for (const page of [0, 1, 2]) {
      const before = await renderPdfPage(source, page, 50);
      const after = await renderPdfPage(body, page, 50);
      expect((await rawPixels(after)).data.equals((await rawPixels(before)).data), `page ${page}`).toBe(true);
    }
    // What poppler extracts now is the source's own text plus, word for word, what /v1/ocr answered.
    const words = await pdfWords(body);
    const added = wordCounts(words.map((word) => word.text));
    for (const word of await pdfWords(source)) added.set(word.text, (added.get(word.text) ?? 0) - 1);
    const answered = wordCounts(json.text.split(/\s+/).filter(Boolean));
    expect(new Map([...added].filter(([, count]) => count !== 0))).toEqual(answered);
    // Each page's words lie in that page's boxes, the rotated page's included.
    const pxPerPt = json.pages.map(
      (page: Json, index: number) => page.dimensions.width / (index === 2 ? 595.28 : 595.28),
    );
    expectWordsInsideBoxes(
      words.filter((word) => answered.has(word.text)),
      json,
      pxPerPt,
    );
  });

  it("answers only the selected pages", async () => {
    const { body } = await ocrArchive(await buildSamplePdf(), "sample.pdf", "pdf", { pages: "1" });
    const { info, xmp } = await checkPdf(body);
    expect(info).toMatch(/Pages:\s+1\n/);
    expect(xmp).not.toContain("<pdfaid:part>");
  });

  it("refuses an encrypted PDF with a 422 that says how to fix it", async () => {
    const { response, body } = await ocrArchive(
      await encryptPdf(await buildSamplePdf(), "", "owner-secret"),
      "locked.pdf",
      "pdf",
    );
    expect(response.status).toBe(422);
    expect(JSON.parse(body.toString()).error.code).toBe("encrypted_pdf_not_supported");
  });
});

describe.skipIf(lacks("poppler", "qpdf", "xmllint"))("output_format=alto and hocr", () => {
  it("ALTO validates against the ALTO 4 schema subset and places every word", async () => {
    const source = await buildSamplePdf();
    const { response, body } = await ocrArchive(source, "sample.pdf", "alto");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/xml; charset=utf-8");
    expect(response.headers.get("content-disposition")).toContain('filename="sample.alto.xml"');
    const dir = await mkdtemp(path.join(tmpdir(), "alto-"));
    try {
      const file = path.join(dir, "out.xml");
      await writeFile(file, body);
      const schema = path.resolve(import.meta.dirname, "../output-formats/fixtures/alto-4-subset.xsd");
      const { stderr } = await run("xmllint", ["--noout", "--schema", schema, file]);
      expect(stderr).toContain("validates");
      const pages = await run("xmllint", ["--xpath", "count(//*[local-name()='Page'])", file]);
      expect(pages.stdout.trim()).toBe("3");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const xml = body.toString();
    expect(xml).toContain('CONTENT="TOTAL:"');
    expect(xml).toMatch(/<Page ID="P3" PHYSICAL_IMG_NR="3" WIDTH="\d+" HEIGHT="\d+"/);
  });

  it("hOCR parses as XHTML and carries a bbox on every line and word", async () => {
    const { response, body } = await ocrArchive(readReceipt("000"), "000.jpg", "hocr");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const dir = await mkdtemp(path.join(tmpdir(), "hocr-"));
    try {
      const file = path.join(dir, "out.html");
      await writeFile(file, body);
      const count = async (xpath: string) =>
        Number((await run("xmllint", ["--xpath", `count(${xpath})`, file])).stdout.trim());
      const words = await count("//*[@class='ocrx_word']");
      const lines = await count("//*[@class='ocr_line']");
      expect(words).toBeGreaterThan(lines);
      expect(lines).toBe(6);
      expect(await count("//*[@class='ocrx_word' and starts-with(@title, 'bbox ')]")).toBe(words);
      expect(await count("//*[@class='ocr_line' and starts-with(@title, 'bbox ')]")).toBe(lines);
      expect(await count("//*[@class='ocr_page' and contains(@title, 'bbox 0 0 463 1013')]")).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(lacks("poppler", "qpdf", "xmllint"))("output_format errors stay JSON", () => {
  it("needs the spotting task and cannot stream", async () => {
    for (const fields of [{ task: "text" }, { stream: "true" }, { output_format: "docx" }]) {
      const response = await postOcrForm(
        bed.gateway.url,
        { bytes: readReceipt("000"), name: "000.jpg" },
        { output_format: "pdf", ...fields },
      );
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/application\/json/);
    }
    expect(bed.emulator.chatRequests).toHaveLength(0);
  });

  it("takes output_format in Mistral-style JSON too", async () => {
    const response = await postOcrJson(bed.gateway.url, {
      document: {
        type: "image_url",
        image_url: `data:image/jpeg;base64,${readReceipt("000").toString("base64")}`,
      },
      output_format: "hocr",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toContain('filename="document.hocr.html"');
  });
});
