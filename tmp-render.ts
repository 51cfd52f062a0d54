import { readFile } from "node:fs/promises";
import { openPdf } from "./gateway/documents/render-pdf-pages.ts";
const doc = await openPdf(await readFile(process.argv[2]!), {});
const t = performance.now();
await doc.renderPage(0);
console.log(process.argv[2], Math.round(performance.now() - t), "ms");
