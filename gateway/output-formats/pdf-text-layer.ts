import {
  beginText,
  endText,
  type PDFFont,
  type PDFName,
  type PDFPage,
  popGraphicsState,
  pushGraphicsState,
  setCharacterSqueeze,
  setFontAndSize,
  setTextMatrix,
  setTextRenderingMode,
  showText,
  TextRenderingMode,
} from "pdf-lib";
import type { LayoutWord } from "./page-layout.ts";
import type { PixelMapping } from "./pixel-mapping.ts";
import type { TextLayerFonts } from "./text-layer-fonts.ts";

type Point = [number, number];

function distance(from: Point, to: Point): number {
  return Math.hypot(to[0] - from[0], to[1] - from[1]);
}

function unit(from: Point, to: Point): Point {
  const length = distance(from, to) || 1;
  return [(to[0] - from[0]) / length, (to[1] - from[1]) / length];
}

/**
 * Writes `words` onto `page` as invisible text (rendering mode 3): each word's glyphs are sized to its box's
 * height and squeezed to its width, on a baseline at the box's bottom less the font's descent, so viewers
 * select, copy and find the word where it stands on the page.
 */
export async function drawInvisibleWords(
  page: PDFPage,
  words: readonly LayoutWord[],
  toPage: PixelMapping,
  fonts: TextLayerFonts,
): Promise<void> {
  if (words.length === 0) return;
  const fontKeys = new Map<PDFFont, PDFName>();
  const fontKey = (font: PDFFont): PDFName => {
    let key = fontKeys.get(font);
    if (!key) {
      key = page.node.newFontDictionary(font.name, font.ref);
      fontKeys.set(font, key);
    }
    return key;
  };
  const operators = [pushGraphicsState(), beginText(), setTextRenderingMode(TextRenderingMode.Invisible)];
  for (const word of words) {
    const runs = await fonts.runs(word.text);
    if (runs.length === 0) continue;
    // Every run must fit the box: the tallest ascent and deepest descent of the fonts the word uses.
    const ascent = Math.max(...runs.map((run) => run.metrics.ascent));
    const descent = Math.min(...runs.map((run) => run.metrics.descent));
    const emHeight = ascent - descent;
    const { x1, y1, x2, y2 } = word.box;
    const topLeft = toPage(x1, y1);
    const bottomLeft = toPage(x1, y2);
    const heightPt = distance(bottomLeft, topLeft);
    const widthPt = distance(bottomLeft, toPage(x2, y2));
    const size = heightPt / emHeight;
    if (!(size > 0) || !(widthPt > 0)) continue;
    const natural = runs.reduce((sum, run) => sum + run.font.widthOfTextAtSize(run.text, size), 0);
    const pixelsPerPoint = (y2 - y1) / heightPt;
    const origin = toPage(x1, y2 + descent * size * pixelsPerPoint);
    const right = unit(bottomLeft, toPage(x2, y2));
    const up = unit(bottomLeft, topLeft);
    operators.push(
      setTextMatrix(right[0], right[1], up[0], up[1], origin[0], origin[1]),
      setCharacterSqueeze(natural > 0 ? (100 * widthPt) / natural : 100),
    );
    for (const run of runs) {
      operators.push(setFontAndSize(fontKey(run.font), size), showText(run.font.encodeText(run.text)));
    }
  }
  operators.push(endText(), popGraphicsState());
  page.pushOperators(...operators);
}
