import { type PageRotation, rotatedSize, toSentBox, toSentPoint } from "../images/page-rotation.ts";
import type { PageBox, PageImage, PageResult } from "./ocr-types.ts";

type Dimensions = PageResult["dimensions"];

function sentImage(image: PageImage, rotation: PageRotation, upright: Dimensions): PageImage {
  const box = toSentBox(
    { x1: image.top_left_x, y1: image.top_left_y, x2: image.bottom_right_x, y2: image.bottom_right_y },
    rotation,
    upright,
  );
  return {
    ...image,
    top_left_x: box.x1,
    top_left_y: box.y1,
    bottom_right_x: box.x2,
    bottom_right_y: box.y2,
  };
}

function sentBox(box: PageBox, rotation: PageRotation, upright: Dimensions): PageBox {
  return {
    ...box,
    box: toSentBox(box.box, rotation, upright),
    // The corners keep their order: the first is still where the text starts, which tells its direction.
    polygon: box.polygon.map((point) => toSentPoint(point, rotation, upright)),
  };
}

/**
 * A page read upright, told in the coordinates of the page as sent: boxes, polygons and figure regions map
 * back, `dimensions` are the sent page's, and `rotation` says how the page was turned to be read. Crops in
 * `image_base64` stay upright (that is how they read).
 */
export function toSentPageResult(result: PageResult, rotation: PageRotation, sent: Dimensions): PageResult {
  const upright = { ...rotatedSize(sent, rotation), dpi: sent.dpi };
  return {
    ...result,
    images: result.images.map((image) => sentImage(image, rotation, upright)),
    dimensions: sent,
    ...(result.boxes ? { boxes: result.boxes.map((box) => sentBox(box, rotation, upright)) } : {}),
    rotation,
  };
}
