import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PdfWord {
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
  page: number;
}

async function withPdf<T>(pdf: Uint8Array, use: (file: string, dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "archive-pdf-"));
  try {
    const file = path.join(dir, "in.pdf");
    await writeFile(file, pdf);
    return await use(file, dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `pdftotext -raw` (poppler): the text a viewer copies out, in the order it is written on each page (without
 * `-raw`, poppler re-sorts lines whose boxes share a row, such as a label and its amount on a receipt).
 */
export function pdfText(pdf: Uint8Array): Promise<string> {
  return withPdf(pdf, async (file) => (await run("pdftotext", ["-raw", "-enc", "UTF-8", file, "-"])).stdout);
}

/** `pdftotext -bbox`: every word with its box in points, origin top-left, as poppler places it. */
export function pdfWords(pdf: Uint8Array): Promise<PdfWord[]> {
  return withPdf(pdf, async (file) => {
    const { stdout } = await run("pdftotext", ["-bbox", "-enc", "UTF-8", file, "-"], { maxBuffer: 64 << 20 });
    const words: PdfWord[] = [];
    let page = -1;
    for (const line of stdout.split("\n")) {
      if (line.includes("<page ")) page += 1;
      const match = /<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)<\/word>/.exec(
        line,
      );
      if (!match) continue;
      const unescaped = (match[5] ?? "")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&amp;/g, "&");
      words.push({
        text: unescaped,
        xMin: Number(match[1]),
        yMin: Number(match[2]),
        xMax: Number(match[3]),
        yMax: Number(match[4]),
        page,
      });
    }
    return words;
  });
}

/**
 * `pdftocairo -r dpi -png` of one page (0-based): the page as a viewer draws it, as PNG bytes. Cairo draws an
 * image at 1:1 pixel for pixel; pdftoppm's Splash backend smooths it even then.
 */
export function renderPdfPage(pdf: Uint8Array, page: number, dpi: number): Promise<Buffer> {
  return withPdf(pdf, async (file, dir) => {
    const prefix = path.join(dir, "page");
    const number = String(page + 1);
    await run("pdftocairo", [
      "-r",
      String(dpi),
      "-f",
      number,
      "-l",
      number,
      "-png",
      "-singlefile",
      file,
      prefix,
    ]);
    return readFile(`${prefix}.png`);
  });
}

/** `pdfimages -all`: the image streams of the PDF as stored (a JPEG stream comes out as its file). */
export function embeddedImages(pdf: Uint8Array): Promise<Buffer[]> {
  return withPdf(pdf, async (file, dir) => {
    await run("pdfimages", ["-all", file, path.join(dir, "image")]);
    const names = (await readdir(dir)).filter((name) => name.startsWith("image")).sort();
    return Promise.all(names.map((name) => readFile(path.join(dir, name))));
  });
}

/** `qpdf --check`, `pdfinfo` and its `-meta` (the XMP packet): the structural check Debian can do, and the document's metadata. */
export async function checkPdf(pdf: Uint8Array): Promise<{ check: string; info: string; xmp: string }> {
  return withPdf(pdf, async (file) => ({
    check: (await run("qpdf", ["--check", file])).stdout,
    info: (await run("pdfinfo", [file])).stdout,
    xmp: (await run("pdfinfo", ["-meta", file])).stdout,
  }));
}
