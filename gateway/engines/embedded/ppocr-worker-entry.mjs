// Plain-JS entry of the embedded-engine worker: it registers tsx's TypeScript hooks in this thread, then loads the
// TypeScript worker. Passing `--import tsx` in the Worker's execArgv does not reach the worker's own entry module
// on Node 20, and vitest's forked runners carry no TypeScript loader at all.
import { register } from "tsx/esm/api";

register();
await import("./ppocr-worker.ts");
