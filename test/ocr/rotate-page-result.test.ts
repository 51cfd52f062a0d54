import { describe, expect, it } from "vitest";
import type { PageResult } from "../../gateway/ocr/ocr-types.ts";
import { toSentPageResult } from "../../gateway/ocr/rotate-page-result.ts";

/** A page read upright (1000 × 400: the sent page was 400 × 1000, lying on its side). */
const upright: PageResult = {
  index: 2,
  markdown: "TOTAL 9.00",
  text: "TOTAL 9.00",
  images: [
    {
      id: "img-2-0.jpeg",
      top_left_x: 100,
      top_left_y: 50,
      bottom_right_x: 300,
      bottom_right_y: 150,
      image_base64: null,
    },
  ],
  dimensions: { width: 1000, height: 400, dpi: 72 },
  boxes: [
    {
      text: "TOTAL 9.00",
      box: { x1: 10, y1: 20, x2: 210, y2: 50 },
      polygon: [
        [10, 20],
        [210, 20],
        [210, 50],
        [10, 50],
      ],
      confidence: 0.9,
    },
  ],
  box_units: "pixels",
  finish_reason: "stop",
  retried: false,
  warnings: [],
  usage: { prompt_tokens: 0, completion_tokens: 0 },
};
const SENT = { width: 400, height: 1000, dpi: 72 };

describe("toSentPageResult", () => {
  it("maps boxes, polygons and figures of a page turned 90° back to the page as sent", () => {
    const sent = toSentPageResult(upright, 90, SENT);
    expect(sent.rotation).toBe(90);
    expect(sent.dimensions).toEqual(SENT);
    // Upright (x, y) was sent (y, 1000 − x).
    expect(sent.boxes?.[0]?.box).toEqual({ x1: 20, y1: 790, x2: 50, y2: 990 });
    // The text starts at the bottom-left corner and runs up, as it did on the sent page.
    expect(sent.boxes?.[0]?.polygon).toEqual([
      [20, 990],
      [20, 790],
      [50, 790],
      [50, 990],
    ]);
    expect(sent.images[0]).toMatchObject({
      top_left_x: 50,
      top_left_y: 700,
      bottom_right_x: 150,
      bottom_right_y: 900,
    });
    expect(sent).toMatchObject({ text: upright.text, index: 2, warnings: [], finish_reason: "stop" });
  });

  it("maps a page read upside down and one read as sent", () => {
    const sent180 = toSentPageResult({ ...upright, dimensions: SENT }, 180, SENT);
    expect(sent180.boxes?.[0]?.box).toEqual({ x1: 190, y1: 950, x2: 390, y2: 980 });
    const asSent = toSentPageResult({ ...upright, dimensions: SENT }, 0, SENT);
    expect(asSent).toEqual({ ...upright, dimensions: SENT, rotation: 0 });
  });

  it("keeps every box inside the page as sent, for every angle", () => {
    for (const rotation of [0, 90, 180, 270] as const) {
      const turnedSize = rotation % 180 === 0 ? SENT : { width: 1000, height: 400, dpi: 72 };
      const read = { ...upright, dimensions: turnedSize };
      for (const { box } of toSentPageResult(read, rotation, SENT).boxes ?? []) {
        expect(box.x1).toBeGreaterThanOrEqual(0);
        expect(box.y1).toBeGreaterThanOrEqual(0);
        expect(box.x2).toBeLessThanOrEqual(SENT.width);
        expect(box.y2).toBeLessThanOrEqual(SENT.height);
      }
    }
  });
});
