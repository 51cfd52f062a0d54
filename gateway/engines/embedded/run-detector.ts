import type { InferenceSession } from "onnxruntime-node";
import type { RgbRaster } from "./bound-image.ts";
import { detectionTensor, regionsFromProbabilityMap, type TextRegion } from "./detect-text.ts";

const STRIDE = 32;

/** The detector's input size for an image: bounded to `longSide` (never enlarged), each side a multiple of 32. */
export function detectorInputSize(width: number, height: number, longSide: number) {
  const scale = Math.min(1, longSide / Math.max(width, height));
  const round = (side: number) => Math.max(STRIDE, Math.round((side * scale) / STRIDE) * STRIDE);
  return { width: round(width), height: round(height) };
}

/** Runs a PP-OCR detector session on `raster` (both sides multiples of 32): its text regions, in its pixels. */
export async function detectTextRegions(
  detector: InferenceSession,
  raster: RgbRaster,
): Promise<TextRegion[]> {
  const { Tensor } = await import("onnxruntime-node");
  const input = new Tensor("float32", detectionTensor(raster), [1, 3, raster.height, raster.width]);
  const output = (await detector.run({ [detector.inputNames[0] as string]: input }))[
    detector.outputNames[0] as string
  ];
  if (output === undefined) throw new Error("the detector returned no output");
  return regionsFromProbabilityMap(output.data as Float32Array, raster.width, raster.height);
}
