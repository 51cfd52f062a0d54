/** Pool → worker: a task, tagged with the id its answer must carry. */
export type TaskMessage<B extends object = object> = B & { jobId: number };

/** Worker → pool. `R` is a task's result, `F` what a failure carries besides its `jobId`. */
export type WorkerMessage<R, F extends object = { message: string }> =
  | { type: "ready"; loadMs: number }
  | { type: "load-failed"; message: string; missingModule: boolean }
  | { type: "result"; jobId: number; result: R }
  | ({ type: "failed"; jobId: number } & F);

/** True for the error of an import that could not be resolved (a package left out by `--omit=optional`). */
export function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}
