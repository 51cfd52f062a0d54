import type { ImageLimits } from "../images/image-limits.ts";
import { renderAltoXml } from "./alto-xml.ts";
import type { ArchiveDocument } from "./archive-document.ts";
import { renderHocr } from "./hocr-html.ts";
import type { ArchiveFormat } from "./output-format.ts";
import { buildSearchablePdf } from "./searchable-pdf.ts";

/** Renders an answered document in an archive format: the bytes to serve or save. */
export async function renderArchiveFormat(
  format: ArchiveFormat,
  document: ArchiveDocument,
  limits: ImageLimits,
): Promise<Uint8Array> {
  switch (format) {
    case "pdf":
      return buildSearchablePdf(document, limits);
    case "alto":
      return Buffer.from(renderAltoXml(document), "utf8");
    case "hocr":
      return Buffer.from(renderHocr(document), "utf8");
  }
}
