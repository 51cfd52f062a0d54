// Plain-JS entry of the page-orientation worker: registers tsx's TypeScript hooks in this thread, then loads the
// TypeScript worker (the same reason as `../embedded/ppocr-worker-entry.mjs`).
import { register } from "tsx/esm/api";

register();
await import("./orientation-worker.ts");
