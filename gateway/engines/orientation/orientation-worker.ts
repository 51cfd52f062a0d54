import { workerData } from "node:worker_threads";
import { serveModelInThread } from "../../workers/model-thread.ts";
import type { TaskMessage } from "../../workers/worker-messages.ts";
import { loadOrientationModel, type OrientationModelSettings } from "./orientation-model.ts";

// Entry point of one page-orientation worker thread: loads the models once, then reads one page at a time.

/** Main thread → worker: an encoded page image, transferred. */
export type OrientationRequest = TaskMessage<{ image: Uint8Array }>;

await serveModelInThread({
  name: "orientation-worker",
  load: () => loadOrientationModel(workerData as OrientationModelSettings),
  handle: (model, { image }: OrientationRequest) => model.detect(image),
});
