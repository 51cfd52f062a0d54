import type { PixelBox, RecognitionResult, RecognizedSegment } from "../ocr-engine.ts";
import { groupIntoLines } from "../reading-order.ts";
import { boundImage } from "./bound-image.ts";
import { PPOCR_TEXT_CORE_FRACTION, type PpocrModel } from "./ppocr-model.ts";

function scaleBox(box: PixelBox, scaleX: number, scaleY: number, width: number, height: number): PixelBox {
  const x = Math.min(width, Math.max(0, Math.round(box.x * scaleX)));
  const y = Math.min(height, Math.max(0, Math.round(box.y * scaleY)));
  const right = Math.min(width, Math.round((box.x + box.width) * scaleX));
  const bottom = Math.min(height, Math.round((box.y + box.height) * scaleY));
  return { x, y, width: Math.max(0, right - x), height: Math.max(0, bottom - y) };
}

/**
 * Bounds the image, runs the model and returns lines in reading order with boxes in pixels of the image given.
 * Throws `UndecodableImageError` for bytes that are not an image.
 */
export async function recognizePage(
  model: PpocrModel,
  image: Uint8Array,
  maxLongSide: number,
): Promise<RecognitionResult> {
  const started = performance.now();
  const bounded = await boundImage(image, maxLongSide);
  const segments = await model.recognize(bounded.png);
  const scaled: RecognizedSegment[] = segments.map((segment) => ({
    text: segment.text,
    confidence: Math.min(1, Math.max(0, segment.confidence)),
    box: scaleBox(segment.box, bounded.scaleX, bounded.scaleY, bounded.width, bounded.height),
  }));
  const lines = groupIntoLines(scaled, PPOCR_TEXT_CORE_FRACTION);
  const confidence =
    lines.length === 0 ? 0 : lines.reduce((sum, line) => sum + line.confidence, 0) / lines.length;
  return {
    lines,
    width: bounded.width,
    height: bounded.height,
    confidence,
    durationMs: Math.round(performance.now() - started),
  };
}
