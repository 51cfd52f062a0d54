import type { ImageSize } from "./image-limits.ts";

/** Clockwise turn, in degrees, that makes a page upright. */
export type PageRotation = 0 | 90 | 180 | 270;

export const PAGE_ROTATIONS: readonly PageRotation[] = [0, 90, 180, 270];

/** A point in pixels (x right, y down); coordinates are continuous (a pixel's edges, not its index). */
export type Point = readonly [x: number, y: number];

/** Size of the page after it is turned by `rotation` clockwise. */
export function rotatedSize(size: ImageSize, rotation: PageRotation): ImageSize {
  return rotation === 90 || rotation === 270 ? { width: size.height, height: size.width } : { ...size };
}

/**
 * Maps a point of the upright page (the page as sent, turned `rotation` degrees clockwise; `upright` is its
 * size) back to the page as sent. Exact on pixel edges, so a box's corners map to the corners of its image.
 */
export function toSentPoint([x, y]: Point, rotation: PageRotation, upright: ImageSize): [number, number] {
  switch (rotation) {
    case 0:
      return [x, y];
    case 90:
      return [y, upright.width - x];
    case 180:
      return [upright.width - x, upright.height - y];
    case 270:
      return [upright.height - y, x];
  }
}

/** Maps a point of the page as sent onto the page turned `rotation` degrees clockwise (`toSentPoint`'s inverse). */
export function toUprightPoint([x, y]: Point, rotation: PageRotation, sent: ImageSize): [number, number] {
  switch (rotation) {
    case 0:
      return [x, y];
    case 90:
      return [sent.height - y, x];
    case 180:
      return [sent.width - x, sent.height - y];
    case 270:
      return [y, sent.width - x];
  }
}

/** An axis-aligned box by its edges. */
export interface EdgeBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Maps an axis-aligned box of the upright page back to the page as sent (still axis-aligned, x1 ≤ x2, y1 ≤ y2). */
export function toSentBox(box: EdgeBox, rotation: PageRotation, upright: ImageSize): EdgeBox {
  const [ax, ay] = toSentPoint([box.x1, box.y1], rotation, upright);
  const [bx, by] = toSentPoint([box.x2, box.y2], rotation, upright);
  return { x1: Math.min(ax, bx), y1: Math.min(ay, by), x2: Math.max(ax, bx), y2: Math.max(ay, by) };
}

/** The rotation that undoes `rotation` (turning by both leaves the page as it was). */
export function inverseRotation(rotation: PageRotation): PageRotation {
  return ((360 - rotation) % 360) as PageRotation;
}
