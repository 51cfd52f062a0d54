import { readFile } from "node:fs/promises";
import { PdfRenderPool } from "./gateway/documents/pdf-render-pool.ts";
const pool = new PdfRenderPool(1);
const doc = await pool.open(await readFile(process.argv[2]!), {});
const t0 = performance.now();
doc.renderPage(0).then(() => console.log("rendered", performance.now() - t0), (e) => console.log("render failed", String(e), performance.now() - t0));
await new Promise((r) => setTimeout(r, 3000));
const t = performance.now();
if (process.argv[3] === "terminate") { await pool.close(); console.log("terminated after", Math.round(performance.now() - t)); }
console.log("exiting");
process.exit(0);
