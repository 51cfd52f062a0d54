import type { ArchiveDocument } from "./archive-document.ts";
import { type LayoutBox, pageLayout } from "./page-layout.ts";
import { escapeXml, px } from "./xml-text.ts";

function bbox(box: LayoutBox): string {
  return `bbox ${px(box.x1)} ${px(box.y1)} ${px(box.x2)} ${px(box.y2)}`;
}

function wconf(confidence: number | undefined): string {
  return confidence == null ? "" : `; x_wconf ${Math.round(Math.min(1, Math.max(0, confidence)) * 100)}`;
}

/**
 * hOCR 1.2 (XHTML, so XML tools parse it too) for the whole document: an `ocr_page` per page read with its
 * size, `ocr_carea`/`ocr_par` blocks, `ocr_line`s and `ocrx_word`s, each with a `bbox` in the page's pixels
 * and `x_wconf` where the backend reports a confidence.
 */
export function renderHocr(document: ArchiveDocument): string {
  const { response, software } = document;
  const capabilities = ["ocr_page", "ocr_carea", "ocr_par", "ocr_line", "ocrx_word"];
  if (response.pages.some((page) => page.boxes?.some((box) => box.confidence != null)))
    capabilities.push("ocrp_wconf");
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">',
    "<head>",
    `  <title>${escapeXml(document.name ?? "OCR result")}</title>`,
    '  <meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>',
    `  <meta name="ocr-system" content="${escapeXml(`${software.name} ${software.version} (${response.model})`)}"/>`,
    `  <meta name="ocr-capabilities" content="${capabilities.join(" ")}"/>`,
    `  <meta name="ocr-number-of-pages" content="${response.pages.length}"/>`,
    "</head>",
    "<body>",
  ];
  const image = document.name ? `image "${document.name.replace(/"/g, "")}"; ` : "";
  for (const page of response.pages) {
    const layout = pageLayout(page);
    const number = layout.index + 1;
    const pageBox = { x1: 0, y1: 0, x2: layout.width, y2: layout.height };
    out.push(
      `  <div class="ocr_page" id="page_${number}" title="${escapeXml(`${image}${bbox(pageBox)}; ppageno ${layout.index}; scan_res ${layout.dpi} ${layout.dpi}`)}">`,
    );
    layout.blocks.forEach((block, blockIndex) => {
      const id = `${number}_${blockIndex + 1}`;
      out.push(
        `    <div class="ocr_carea" id="block_${id}" title="${bbox(block.box)}">`,
        `      <p class="ocr_par" id="par_${id}" title="${bbox(block.box)}">`,
      );
      block.lines.forEach((line, lineIndex) => {
        const lineId = `${id}_${lineIndex + 1}`;
        // x_size is the text's height: across the line, whichever way it runs on the page.
        const turned = layout.textAngle === 90 || layout.textAngle === 270;
        const height = px(turned ? line.box.x2 - line.box.x1 : line.box.y2 - line.box.y1);
        const angle = layout.textAngle === 0 ? "" : `; textangle ${layout.textAngle}`;
        const words = line.words.map(
          (word, wordIndex) =>
            `<span class="ocrx_word" id="word_${lineId}_${wordIndex + 1}" title="${bbox(word.box)}${wconf(word.confidence)}">${escapeXml(word.text)}</span>`,
        );
        out.push(
          `        <span class="ocr_line" id="line_${lineId}" title="${bbox(line.box)}${angle}; baseline 0 0; x_size ${height}${wconf(line.confidence)}">${words.join(" ")}</span>`,
        );
      });
      out.push("      </p>", "    </div>");
    });
    out.push("  </div>");
  }
  out.push("</body>", "</html>", "");
  return out.join("\n");
}
