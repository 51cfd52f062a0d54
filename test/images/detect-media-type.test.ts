import { randomBytes } from "node:crypto";
import { PDFDocument } from "pdf-lib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  detectMediaType,
  isSupportedImageKind,
  mediaCategoryOf,
  mimeTypeOf,
} from "../../gateway/images/detect-media-type.ts";
import { encodeBmp, readReceipt } from "./fixtures.ts";

function isoMedia(majorBrand: string, ...compatible: string[]): Buffer {
  const brands = [majorBrand, "\0\0\0\0", ...compatible].join("");
  const box = Buffer.alloc(8 + brands.length + 32);
  box.writeUInt32BE(8 + brands.length, 0);
  box.write(`ftyp${brands}`, 4, "latin1");
  return box;
}

function ebml(docType: string): Buffer {
  return Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]), Buffer.from(docType)]);
}

describe("detectMediaType", () => {
  it("recognises images sharp writes, by content alone", async () => {
    const receipt = await sharp(await readReceipt("005"))
      .resize(100)
      .toBuffer();
    const encoded = {
      jpeg: await sharp(receipt).jpeg().toBuffer(),
      png: await sharp(receipt).png().toBuffer(),
      webp: await sharp(receipt).webp().toBuffer(),
      gif: await sharp(receipt).gif().toBuffer(),
      tiff: await sharp(receipt).tiff().toBuffer(),
      avif: await sharp(receipt).avif().toBuffer(),
      bmp: await encodeBmp(receipt),
    };
    for (const [kind, bytes] of Object.entries(encoded)) {
      expect(detectMediaType(bytes), kind).toBe(kind);
    }
  });

  it("recognises PDFs, including junk before the header", async () => {
    const pdf = await PDFDocument.create();
    pdf.addPage();
    const bytes = await pdf.save();
    expect(detectMediaType(bytes)).toBe("pdf");
    expect(detectMediaType(Buffer.concat([Buffer.from("junk from a mail gateway\r\n"), bytes]))).toBe("pdf");
  });

  it("tells image containers from video containers", () => {
    expect(detectMediaType(isoMedia("mif1", "avif", "miaf"))).toBe("avif");
    expect(detectMediaType(isoMedia("heic", "mif1"))).toBe("heif");
    expect(detectMediaType(isoMedia("isom", "iso2", "avc1", "mp41"))).toBe("mp4");
    expect(detectMediaType(isoMedia("qt  ", "qt  "))).toBe("mov");
    expect(detectMediaType(ebml("webm"))).toBe("webm");
    expect(detectMediaType(ebml("matroska"))).toBe("mkv");
    const avi = Buffer.alloc(64);
    avi.write("RIFF\x10\0\0\0AVI LIST", 0, "latin1");
    expect(detectMediaType(avi)).toBe("avi");
  });

  it("returns null for text, random bytes, a bare 'BM' and empty input", () => {
    expect(detectMediaType(Buffer.from("Total: 12.50\n"))).toBeNull();
    expect(detectMediaType(Buffer.concat([Buffer.from("BM"), randomBytes(100)]))).toBeNull();
    expect(detectMediaType(new Uint8Array(0))).toBeNull();
    let recognised = 0;
    for (let i = 0; i < 200; i++) if (detectMediaType(randomBytes(512)) !== null) recognised++;
    expect(recognised).toBe(0);
  });

  it("describes each kind", () => {
    expect(mimeTypeOf("mov")).toBe("video/quicktime");
    expect(mediaCategoryOf("pdf")).toBe("document");
    expect(mediaCategoryOf("webm")).toBe("video");
    expect(isSupportedImageKind("avif")).toBe(true);
    expect(isSupportedImageKind("heif")).toBe(false);
  });
});
