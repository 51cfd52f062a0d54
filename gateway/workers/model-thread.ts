import { parentPort } from "node:worker_threads";
import { isMissingModule, type TaskMessage, type WorkerMessage } from "./worker-messages.ts";

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The body of a worker thread that loads a model once and then answers one task at a time: reports `ready` (with
 * the load time) or `load-failed` (saying whether a package is missing), then answers every task with `result`,
 * or `failed` carrying what `failure` makes of the error.
 */
export async function serveModelInThread<
  M,
  T extends object,
  R,
  F extends object = { message: string },
>(options: {
  name: string;
  load: () => Promise<M>;
  handle: (model: M, task: TaskMessage<T>) => Promise<R>;
  failure?: (error: unknown) => F;
}): Promise<void> {
  const port = parentPort;
  if (port == null) throw new Error(`${options.name} must run in a worker thread`);
  const post = (message: WorkerMessage<R, F>) => port.postMessage(message);
  const failure = options.failure ?? ((error: unknown) => ({ message: errorMessage(error) }) as unknown as F);
  let model: M;
  try {
    const started = performance.now();
    model = await options.load();
    post({ type: "ready", loadMs: Math.round(performance.now() - started) });
  } catch (error) {
    post({ type: "load-failed", message: errorMessage(error), missingModule: isMissingModule(error) });
    return;
  }
  port.on("message", async (task: TaskMessage<T>) => {
    try {
      post({ type: "result", jobId: task.jobId, result: await options.handle(model, task) });
    } catch (error) {
      post({ type: "failed", jobId: task.jobId, ...failure(error) });
    }
  });
}
