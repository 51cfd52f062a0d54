import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { PDFDocument, rgb } from "pdf-lib";
import sharp, { type Sharp } from "sharp";

/** What `makeArchive` wrote, so tests know what to expect. */
export interface GeneratedArchive {
  root: string;
  /** Relative paths of readable documents, with their page counts. */
  documents: Map<string, number>;
  /** Relative paths of files the gateway must refuse, with the error code it gives. */
  corrupt: Map<string, string>;
  /** Copy → original (same bytes). */
  duplicates: Map<string, string>;
  /** Files that are not documents (ignored when walking a folder). */
  ignored: string[];
}

export interface ArchiveShape {
  images: number;
  pdfs: number;
  /** Pages of the longest PDF (PDFs have 1…maxPdfPages pages). */
  maxPdfPages?: number;
  duplicates?: number;
}

const IMAGE_FORMATS = ["jpeg", "png", "webp", "tiff", "gif", "avif"] as const;
const EXTENSIONS: Record<(typeof IMAGE_FORMATS)[number], string> = {
  jpeg: "jpg",
  png: "png",
  webp: "webp",
  tiff: "tif",
  gif: "gif",
  avif: "avif",
};

/** A small image unlike every other one (size and colour from `seed`), so each page reaches the model distinct. */
function distinctImage(seed: number): Sharp {
  return sharp({
    create: {
      width: 40 + (seed % 37),
      height: 30 + (Math.floor(seed / 37) % 29),
      channels: 3,
      background: { r: (seed * 53) % 256, g: (seed * 101) % 256, b: (seed * 197) % 256 },
    },
  });
}

async function pdfWithPages(pages: number, seed: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  for (let page = 0; page < pages; page++) {
    const sheet = pdf.addPage([200 + ((seed + page) % 50), 260]);
    const shade = ((seed * 31 + page * 17) % 200) / 255;
    sheet.drawRectangle({
      x: 20,
      y: 20,
      width: 60 + page * 10,
      height: 80,
      color: rgb(shade, 0.3, 1 - shade),
    });
  }
  return pdf.save();
}

/**
 * Writes a test archive under `root`: images of several formats in nested folders, multi-page PDFs, corrupt
 * files (random bytes, a broken PDF, an empty file), byte-identical copies and a text file.
 */
export async function makeArchive(root: string, shape: ArchiveShape): Promise<GeneratedArchive> {
  const archive: GeneratedArchive = {
    root,
    documents: new Map(),
    corrupt: new Map(),
    duplicates: new Map(),
    ignored: [],
  };
  const write = async (relative: string, data: Uint8Array | string) => {
    await mkdir(path.dirname(path.join(root, relative)), { recursive: true });
    await writeFile(path.join(root, relative), data);
  };
  for (let index = 0; index < shape.images; index++) {
    const format = IMAGE_FORMATS[index % IMAGE_FORMATS.length] as (typeof IMAGE_FORMATS)[number];
    const relative = `box-${Math.floor(index / 25)}/scan-${index}.${EXTENSIONS[format]}`;
    const image = distinctImage(index).toFormat(format, format === "avif" ? { effort: 0 } : {});
    await write(relative, await image.toBuffer());
    archive.documents.set(relative, 1);
  }
  for (let index = 0; index < shape.pdfs; index++) {
    const pages = 1 + (index % (shape.maxPdfPages ?? 4));
    const relative = `letters/letter-${index}.pdf`;
    await write(relative, await pdfWithPages(pages, index + 1000));
    archive.documents.set(relative, pages);
  }
  const originals = [...archive.documents.keys()];
  for (let index = 0; index < (shape.duplicates ?? 0); index++) {
    const original = originals[(index * 7) % originals.length] as string;
    const copy = `copies/copy-${index}${path.extname(original)}`;
    await mkdir(path.join(root, "copies"), { recursive: true });
    await copyFile(path.join(root, original), path.join(root, copy));
    archive.duplicates.set(copy, original);
    archive.documents.set(copy, archive.documents.get(original) as number);
  }
  await write("broken/random-bytes.jpg", Buffer.from("this is not an image at all, just text"));
  archive.corrupt.set("broken/random-bytes.jpg", "unsupported_media_type");
  await write("broken/truncated.pdf", "%PDF-1.7\n1 0 obj\n<< /Type /Catalog");
  archive.corrupt.set("broken/truncated.pdf", "invalid_pdf");
  await write("broken/empty.png", "");
  archive.corrupt.set("broken/empty.png", "empty_file");
  await write("notes.txt", "inventory of box 3");
  archive.ignored.push("notes.txt");
  return archive;
}
