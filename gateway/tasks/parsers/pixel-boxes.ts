import type { SpottingItem } from "./spotting.ts";

export interface PixelBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface PixelSpottingItem {
  text: string;
  /** Axis-aligned box in pixels of the image the caller sent. */
  box: PixelBox;
  /** Four corners clockwise from top-left, in pixels (the model's quadrilateral when it gave one). */
  polygon: [number, number][];
}

/**
 * Converts 0–1000 normalised boxes to pixels of a `width`×`height` image (`x * width / 1000`), rounded and
 * clamped to the image. Use the size of the image the caller sent, not of a resized copy.
 */
export function toPixelBoxes(
  items: readonly SpottingItem[],
  width: number,
  height: number,
): PixelSpottingItem[] {
  const toX = (x: number) => clamp(Math.round((x * width) / 1000), width);
  const toY = (y: number) => clamp(Math.round((y * height) / 1000), height);
  return items.map(({ text, box, quad }) => {
    const corners: [number, number][] = quad ?? [
      [box.x1, box.y1],
      [box.x2, box.y1],
      [box.x2, box.y2],
      [box.x1, box.y2],
    ];
    return {
      text,
      box: { x1: toX(box.x1), y1: toY(box.y1), x2: toX(box.x2), y2: toY(box.y2) },
      polygon: corners.map(([x, y]): [number, number] => [toX(x), toY(y)]),
    };
  });
}

function clamp(value: number, max: number): number {
  return Math.min(max, Math.max(0, value));
}
