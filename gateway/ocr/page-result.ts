import sharp from "sharp";
import type { DocumentFigure, ParsedTaskOutput, PixelSpottingItem } from "../tasks/index.ts";
import { toPixelBoxes } from "../tasks/index.ts";
import type { PageBox, PageImage, PageResult, PreparedPage } from "./ocr-types.ts";

/** The id of figure `figure` of page `pageIndex` in `images`. */
function figureImageId(pageIndex: number, figure: number): string {
  return `img-${pageIndex}-${figure}.jpeg`;
}

/** A page answer moved to another position (the same page found at another index): index and image ids follow. */
export function withPageIndex(result: PageResult, index: number): PageResult {
  if (result.index === index) return result;
  return {
    ...result,
    index,
    images: result.images.map((image, figure) => ({ ...image, id: figureImageId(index, figure) })),
  };
}

type PageContent = Pick<
  PageResult,
  "markdown" | "text" | "images" | "boxes" | "box_units" | "fields" | "lines"
>;

function toPageBoxes(items: PixelSpottingItem[]): PageBox[] {
  return items.map(({ text, box, polygon }) => ({ text, box, polygon }));
}

/** Crops a figure region out of the page image (as sent) for `include_image_base64`. */
async function cropFigure(page: PreparedPage, box: PageImage): Promise<string> {
  const scale = page.image.scale;
  const left = Math.floor(box.top_left_x * scale);
  const top = Math.floor(box.top_left_y * scale);
  const width = Math.max(
    1,
    Math.min(page.image.width - left, Math.ceil((box.bottom_right_x - box.top_left_x) * scale)),
  );
  const height = Math.max(
    1,
    Math.min(page.image.height - top, Math.ceil((box.bottom_right_y - box.top_left_y) * scale)),
  );
  const jpeg = await sharp(page.image.data)
    .extract({ left, top, width, height })
    .jpeg({ quality: 90 })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString("base64")}`;
}

async function figureImages(
  figures: DocumentFigure[],
  page: PreparedPage,
  includeBase64: boolean,
): Promise<PageImage[]> {
  const { width, height } = page.dimensions;
  const pixels = toPixelBoxes(
    figures.map((figure) => ({ text: figure.caption, box: figure.box })),
    width,
    height,
  );
  return Promise.all(
    pixels.map(async ({ box }, index) => {
      const image: PageImage = {
        id: figureImageId(page.index, index),
        top_left_x: box.x1,
        top_left_y: box.y1,
        bottom_right_x: box.x2,
        bottom_right_y: box.y2,
        image_base64: null,
      };
      if (includeBase64 && box.x2 > box.x1 && box.y2 > box.y1)
        image.image_base64 = await cropFigure(page, image);
      return image;
    }),
  );
}

/**
 * Turns a parsed model answer into the page's content: Markdown and text for every task, plus boxes in
 * pixels of the original page (spotting), fields (extraction), subtitle lines or figure regions (document).
 */
export async function pageContentFrom(
  parsed: ParsedTaskOutput,
  page: PreparedPage,
  includeImageBase64: boolean,
): Promise<PageContent> {
  switch (parsed.parser) {
    case "spotting": {
      const items = toPixelBoxes(parsed.items, page.dimensions.width, page.dimensions.height);
      const text = items.map((item) => item.text).join("\n");
      return { markdown: text, text, images: [], boxes: toPageBoxes(items), box_units: "pixels" };
    }
    case "document":
      return {
        markdown: parsed.markdown,
        text: parsed.markdown,
        images: await figureImages(parsed.figures, page, includeImageBase64),
      };
    case "fields": {
      const fields = parsed.ok ? parsed.value : null;
      const text = fields ? JSON.stringify(fields, null, 2) : "";
      return { markdown: text, text, images: [], fields };
    }
    case "subtitles":
      return { markdown: parsed.text, text: parsed.text, images: [], lines: parsed.lines };
    default:
      return { markdown: parsed.text, text: parsed.text, images: [] };
  }
}
