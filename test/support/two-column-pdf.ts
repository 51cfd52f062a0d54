import { PDFDocument, type PDFFont, StandardFonts } from "pdf-lib";

export const TITLE = "Harvest Report";
/** Each paragraph starts with a word found nowhere else, so the reading order can be checked. */
const LEFT = [
  "Apples ripen early in the orchard behind the old farmhouse near the river and the pickers start at dawn.",
  "Barley fields along the northern road were cut in the second week of August after a long dry summer.",
];
const RIGHT = [
  "Cherries were scarce this year because a late frost in April damaged most of the blossom on the hills.",
  "Damsons filled every basket in the lower valley and the market in town paid a fair price for them.",
];

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const candidate = line === "" ? word : `${line} ${word}`;
    if (font.widthOfTextAtSize(candidate, size) > width && line !== "") {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** An A4 page: a 30 pt title across the top, then two columns of 12 pt prose, two paragraphs each. */
export async function buildTwoColumnPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const page = pdf.addPage([595.28, 841.89]);
  page.drawText(TITLE, { x: 60, y: 760, size: 30, font });
  const columnWidth = 220;
  for (const [index, paragraphs] of [LEFT, RIGHT].entries()) {
    const x = 60 + index * (columnWidth + 35);
    let y = 700;
    for (const paragraph of paragraphs) {
      for (const line of wrap(paragraph, font, 12, columnWidth)) {
        page.drawText(line, { x, y, size: 12, font });
        y -= 17;
      }
      y -= 17;
    }
  }
  return pdf.save();
}
