import { parentPort, workerData } from "node:worker_threads";
import { isMissingModule, type TaskMessage, type WorkerMessage } from "../../workers/worker-messages.ts";
import {
  loadOrientationModel,
  type OrientationModel,
  type OrientationModelSettings,
  type OrientationReading,
} from "./orientation-model.ts";

// Entry point of one page-orientation worker thread: loads the models once, then reads one page at a time.

/** Main thread → worker: an encoded page image, transferred. */
export type OrientationRequest = TaskMessage<{ image: Uint8Array }>;

const port = parentPort;
if (port == null) throw new Error("orientation-worker must run in a worker thread");

function post(message: WorkerMessage<OrientationReading>): void {
  port?.postMessage(message);
}

let model: OrientationModel | undefined;
try {
  const started = performance.now();
  model = await loadOrientationModel(workerData as OrientationModelSettings);
  post({ type: "ready", loadMs: Math.round(performance.now() - started) });
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  post({ type: "load-failed", message, missingModule: isMissingModule(error) });
}

const loaded = model;
if (loaded !== undefined) {
  port.on("message", async ({ jobId, image }: OrientationRequest) => {
    try {
      post({ type: "result", jobId, result: await loaded.detect(image) });
    } catch (error) {
      post({ type: "failed", jobId, message: error instanceof Error ? error.message : String(error) });
    }
  });
}
