// Plain-JS entry of a PDF worker process: registers tsx's TypeScript hooks, then loads the worker (resolving tsx
// from this file rather than from the working directory, as `--import tsx` would).
import { register } from "tsx/esm/api";

register();
await import("./pdf-worker.ts");
