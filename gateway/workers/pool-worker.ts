import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Transferable, Worker } from "node:worker_threads";

/**
 * What `WorkerPool` needs from one worker, a thread or a child process. `kill` must not wait for the worker to
 * reach a safe point: a thread inside a long native call (a canvas stroke) only stops when the call returns,
 * which is why the PDF renderer uses child processes, which SIGKILL stops at once.
 */
export interface PoolWorker {
  send(message: unknown, transfer?: readonly Transferable[]): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the worker is gone; `error` is the uncaught error that killed it, if any. */
  onExit(listener: (detail: string, error: unknown) => void): void;
  /** Starts stopping the worker; the promise settles when it is gone. */
  kill(): Promise<void>;
  /** Resident memory in bytes, where the platform tells (a child process on Linux). */
  residentBytes?(): number | undefined;
}

/** A worker thread as a `PoolWorker`. */
export function threadWorker(worker: Worker): PoolWorker {
  let fatalError: unknown;
  worker.on("error", (error) => {
    fatalError = error;
  });
  return {
    send: (message, transfer) => worker.postMessage(message, transfer),
    onMessage: (listener) => worker.on("message", listener),
    // 'exit' follows 'error' too; handling it alone covers crashes, process.exit and OOM kills.
    onExit: (listener) => worker.once("exit", (code) => listener(`exit code ${code}`, fatalError)),
    kill: async () => {
      await worker.terminate();
    },
  };
}

const PAGE_SIZE = 4096;

/** A child process forked with an IPC channel (`serialization: "advanced"` to pass typed arrays) as a `PoolWorker`. */
export function processWorker(child: ChildProcess): PoolWorker {
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    // A send racing the child's death fails; the 'exit' handler reports it.
    send: (message) => child.connected && child.send(message as object, () => undefined),
    onMessage: (listener) => child.on("message", listener),
    onExit: (listener) =>
      child.once("exit", (code, signal) =>
        listener(signal ? `signal ${signal}` : `exit code ${code}`, undefined),
      ),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      return exited;
    },
    residentBytes: () => {
      try {
        const pages = Number(readFileSync(`/proc/${child.pid}/statm`, "latin1").split(" ")[1]);
        return Number.isFinite(pages) ? pages * PAGE_SIZE : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
