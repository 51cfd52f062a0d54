// Plain-JS entry of the PDF worker: registers tsx's TypeScript hooks in this thread, then loads the worker
// (a Worker's execArgv `--import tsx` does not reach its entry module on Node 20; see the OCR engine's entry).
import { register } from "tsx/esm/api";

register();
await import("./pdf-worker.ts");
