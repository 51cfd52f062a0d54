import { parentPort, workerData } from "node:worker_threads";
import { isMissingModule } from "../../workers/worker-messages.ts";
import { UndecodableImageError } from "./bound-image.ts";
import { loadPpocrModel, type PpocrModel } from "./ppocr-model.ts";
import { recognizePage } from "./recognize-page.ts";
import type { PpocrWorkerSettings, RecognizeRequest, WorkerMessage } from "./worker-protocol.ts";

// Entry point of one embedded-engine worker thread: loads the model once, then reads one page at a time.

const settings = workerData as PpocrWorkerSettings;
const port = parentPort;
if (port == null) throw new Error("ppocr-worker must run in a worker thread");

function post(message: WorkerMessage): void {
  port?.postMessage(message);
}

let model: PpocrModel | undefined;
try {
  const started = performance.now();
  model = await loadPpocrModel(settings);
  post({ type: "ready", loadMs: Math.round(performance.now() - started) });
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  post({ type: "load-failed", message, missingModule: isMissingModule(error) });
}

const loaded = model;
if (loaded !== undefined) {
  port.on("message", async ({ jobId, image }: RecognizeRequest) => {
    try {
      const result = await recognizePage(loaded, image, settings.maxLongSide);
      post({ type: "result", jobId, result });
    } catch (error) {
      const reason = error instanceof UndecodableImageError ? "invalid-image" : "internal";
      post({
        type: "failed",
        jobId,
        message: error instanceof Error ? error.message : String(error),
        reason,
      });
    }
  });
}
