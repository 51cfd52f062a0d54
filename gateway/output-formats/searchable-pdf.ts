import { PDFContentStream, PDFDocument, type PDFPage, popGraphicsState, pushGraphicsState } from "pdf-lib";
import sharp from "sharp";
import { type GatewayError, UnprocessableEntityError } from "../errors.ts";
import { detectMediaType, isSupportedImageKind } from "../images/detect-media-type.ts";
import type { ImageLimits } from "../images/image-limits.ts";
import { readImageSource } from "../images/image-source.ts";
import type { PageResult } from "../ocr/ocr-types.ts";
import type { ArchiveDocument } from "./archive-document.ts";
import { uprightPageLayout } from "./page-layout.ts";
import { drawInvisibleWords } from "./pdf-text-layer.ts";
import { writeArchivalMetadata } from "./pdfa-metadata.ts";
import { imagePageMapping, type PixelMapping, pdfPageMapping } from "./pixel-mapping.ts";
import { TextLayerFonts } from "./text-layer-fonts.ts";

/** The resolution assumed for images that do not state theirs (one pixel per point, as `/v1/ocr` reports). */
const DEFAULT_IMAGE_DPI = 72;

async function addImagePage(
  output: PDFDocument,
  bytes: Uint8Array,
  page: PageResult,
  limits: ImageLimits,
): Promise<{ page: PDFPage; mapping: PixelMapping }> {
  const kind = detectMediaType(bytes);
  if (kind === null || !isSupportedImageKind(kind)) throw unsupportedInput();
  const source = await readImageSource(bytes, kind, page.index, limits);
  // A JPEG that needs no turning goes in untouched; anything else is decoded once and stored losslessly.
  const image =
    kind === "jpeg" && !source.orientationChanged && source.isPlain8Bit
      ? await output.embedJpg(bytes)
      : await output.embedPng(await source.decode().png().toBuffer());
  const { density } = await sharp(bytes, { page: page.index }).metadata();
  const dpi = density != null && density >= DEFAULT_IMAGE_DPI ? density : DEFAULT_IMAGE_DPI;
  const pointsPerPixel = 72 / dpi;
  const width = source.width * pointsPerPixel;
  const height = source.height * pointsPerPixel;
  const added = output.addPage([width, height]);
  added.drawImage(image, { x: 0, y: 0, width, height });
  return { page: added, mapping: imagePageMapping(height, pointsPerPixel) };
}

/** Keeps whatever graphics state the original page leaves behind away from the text layer drawn after it. */
function isolateOriginalContent(output: PDFDocument, page: PDFPage): void {
  page.node.normalize();
  const stream = (operators: ReturnType<typeof pushGraphicsState>[]) =>
    output.context.register(PDFContentStream.of(output.context.obj({}), operators));
  page.node.wrapContentStreams(stream([pushGraphicsState()]), stream([popGraphicsState()]));
}

async function loadSourcePdf(bytes: Uint8Array): Promise<PDFDocument> {
  let source: PDFDocument;
  try {
    source = await PDFDocument.load(bytes, { updateMetadata: false, ignoreEncryption: true });
  } catch (error) {
    throw new UnprocessableEntityError(
      "pdf_not_rewritable",
      "The PDF was read, but its structure is too damaged to write a searchable copy of it.",
      { param: "output_format", cause: error },
    );
  }
  if (source.isEncrypted) {
    throw new UnprocessableEntityError(
      "encrypted_pdf_not_supported",
      "An encrypted PDF cannot be made searchable: its pages cannot be copied without decrypting them. Decrypt it (e.g. `qpdf --decrypt in.pdf out.pdf`) and retry.",
      { param: "output_format" },
    );
  }
  return source;
}

function unsupportedInput(): GatewayError {
  return new UnprocessableEntityError(
    "output_format_unsupported_input",
    "A searchable PDF can be made from images and PDFs only.",
    { param: "output_format" },
  );
}

/**
 * Throws the 422 `buildSearchablePdf` would throw for this document (not an image or PDF, an encrypted or
 * damaged PDF), without reading it: async jobs check this before any page is read.
 */
export async function checkSearchablePdfInput(bytes: Uint8Array): Promise<void> {
  const kind = detectMediaType(bytes);
  if (kind === "pdf") await loadSourcePdf(bytes);
  else if (kind === null || !isSupportedImageKind(kind)) throw unsupportedInput();
}

/**
 * The document as a searchable PDF: its own pages, unchanged in appearance (a PDF keeps its page content;
 * an image becomes a page at its resolution), with an invisible text layer whose words sit on their boxes.
 * Image documents are written as PDF/A-2b (XMP metadata, sRGB output intent, embedded font subsets); a PDF
 * input keeps content the gateway cannot vouch for, so it does not claim PDF/A.
 */
export async function buildSearchablePdf(
  document: ArchiveDocument,
  limits: ImageLimits,
): Promise<Uint8Array> {
  const { bytes, response } = document;
  const kind = detectMediaType(bytes);
  const output = await PDFDocument.create({ updateMetadata: false });
  const fonts = new TextLayerFonts(output);
  const pages: Array<{ page: PDFPage; mapping: PixelMapping; result: PageResult }> = [];
  if (kind === "pdf") {
    const source = await loadSourcePdf(bytes);
    const copied = await output.copyPages(
      source,
      response.pages.map((result) => result.index),
    );
    copied.forEach((page, position) => {
      const result = response.pages[position] as PageResult;
      output.addPage(page);
      isolateOriginalContent(output, page);
      const crop = page.getCropBox();
      const rotation = page.getRotation().angle;
      const widthPt = rotation % 180 === 0 ? crop.width : crop.height;
      pages.push({
        page,
        result,
        mapping: pdfPageMapping(crop, rotation, result.dimensions.width / widthPt),
      });
    });
  } else if (kind !== null && isSupportedImageKind(kind)) {
    for (const result of response.pages) {
      pages.push({ ...(await addImagePage(output, bytes, result, limits)), result });
    }
  } else {
    throw unsupportedInput();
  }
  for (const { page, mapping, result } of pages) {
    // Words laid out upright and mapped onto the page point by point, so text read turned is written turned.
    const { layout, toSent } = uprightPageLayout(result);
    const words = layout.blocks.flatMap((block) => block.lines.flatMap((line) => line.words));
    const fromUpright: PixelMapping = (x, y) => {
      const { x1, y1 } = toSent({ x1: x, y1: y, x2: x, y2: y });
      return mapping(x1, y1);
    };
    await drawInvisibleWords(page, words, layout.textAngle === 0 ? mapping : fromUpright, fonts);
  }
  await writeArchivalMetadata(output, {
    title: document.name ?? "OCR result",
    software: `${document.software.name} ${document.software.version}`,
    createdAt: document.createdAt ?? new Date(),
    pdfa: kind !== "pdf",
  });
  return output.save({ useObjectStreams: false });
}
