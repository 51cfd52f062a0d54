import { openPdf } from "../../documents/render-pdf-pages.ts";
import { detectMediaType, isSupportedImageKind } from "../../images/detect-media-type.ts";
import { countImagePages } from "../../images/normalize-image.ts";

/**
 * Pages in a document, counted locally (for `--server`, whose answer comes too late to weigh the request):
 * PDF pages, TIFF pages, GIF/WebP frames; 1 when the file cannot be read (the gateway will say why).
 */
export async function countDocumentPages(bytes: Uint8Array): Promise<number> {
  const kind = detectMediaType(bytes);
  try {
    if (kind === "pdf") {
      const pdf = await openPdf(bytes);
      const count = pdf.pageCount;
      await pdf.close();
      return count;
    }
    if (kind != null && isSupportedImageKind(kind)) return await countImagePages(bytes);
  } catch {
    // Unreadable: the gateway answers with the precise error.
  }
  return 1;
}
