/** Maps a point in the page's pixels (origin top-left, as `/v1/ocr` boxes are) to PDF user space (points). */
export type PixelMapping = (x: number, y: number) => [number, number];

/** An image page drawn over the whole page: `pointsPerPixel` = 72 / dpi. */
export function imagePageMapping(heightPt: number, pointsPerPixel: number): PixelMapping {
  return (x, y) => [x * pointsPerPixel, heightPt - y * pointsPerPixel];
}

/**
 * A PDF page as pdf.js renders it: its crop box, turned by `/Rotate` (0, 90, 180 or 270), scaled to
 * `pixelsPerPoint`. This is the inverse of pdf.js's viewport transform.
 */
export function pdfPageMapping(
  crop: { x: number; y: number; width: number; height: number },
  rotation: number,
  pixelsPerPoint: number,
): PixelMapping {
  const s = pixelsPerPoint;
  const { x: x0, y: y0 } = crop;
  const x1 = x0 + crop.width;
  const y1 = y0 + crop.height;
  switch (((rotation % 360) + 360) % 360) {
    case 90:
      return (x, y) => [x0 + y / s, y0 + x / s];
    case 180:
      return (x, y) => [x1 - x / s, y0 + y / s];
    case 270:
      return (x, y) => [x1 - y / s, y1 - x / s];
    default:
      return (x, y) => [x0 + x / s, y1 - y / s];
  }
}
