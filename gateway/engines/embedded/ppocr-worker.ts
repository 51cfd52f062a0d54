import { workerData } from "node:worker_threads";
import { errorMessage, serveModelInThread } from "../../workers/model-thread.ts";
import { UndecodableImageError } from "./bound-image.ts";
import { loadPpocrModel } from "./ppocr-model.ts";
import { recognizePage } from "./recognize-page.ts";
import type { PpocrWorkerSettings, RecognizeFailure, RecognizeRequest } from "./worker-protocol.ts";

// Entry point of one embedded-engine worker thread: loads the model once, then reads one page at a time.

const settings = workerData as PpocrWorkerSettings;

await serveModelInThread({
  name: "ppocr-worker",
  load: () => loadPpocrModel(settings),
  handle: (model, { image }: RecognizeRequest) => recognizePage(model, image, settings.maxLongSide),
  failure: (error): RecognizeFailure => ({
    message: errorMessage(error),
    reason: error instanceof UndecodableImageError ? "invalid-image" : "internal",
  }),
});
