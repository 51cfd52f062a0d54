import { readFile } from "node:fs/promises";
import { loadPpocrModel } from "../gateway/engines/embedded/ppocr-model.ts";
import { recognizePage } from "../gateway/engines/embedded/recognize-page.ts";
import { loadSroieSample } from "../gateway/eval/sroie-dataset.ts";
import { characterErrors, errorRate, wordErrors, type ErrorCount } from "../gateway/eval/text-metrics.ts";

const dir = process.argv[2] ?? "test/fixtures/sroie";
const show = process.argv[3];
const model = await loadPpocrModel({ intraOpThreads: 2, maxLongSide: Number(process.env.MLS ?? 1600), strategy: "per-box" });
const receipts = await loadSroieSample(dir);
const c: ErrorCount[] = [], s: ErrorCount[] = [], w: ErrorCount[] = [];
let ms = 0;
let peak = 0;
for (const r of receipts) {
  const t = performance.now();
  const res = await recognizePage(model, await readFile(r.imagePath), Number(process.env.MLS ?? 1600));
  ms += performance.now() - t;
  peak = Math.max(peak, process.memoryUsage().rss);
  const text = res.lines.map((l) => l.text).join("\n");
  const seg = res.lines.flatMap((l) => l.segments ?? [l]).sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x).map((x) => x.text).join("\n");
  const ce = characterErrors(r.truth, text), se = characterErrors(r.truth, seg), we = wordErrors(r.truth, text);
  c.push(ce); s.push(se); w.push(we);
  console.log(r.id, (ce.errors / ce.referenceLength * 100).toFixed(1), (se.errors / se.referenceLength * 100).toFixed(1), (we.errors / we.referenceLength * 100).toFixed(1));
  if (show === r.id) console.log(text);
}
console.log("CER lines", (errorRate(c) * 100).toFixed(2), "segments", (errorRate(s) * 100).toFixed(2), "WER", (errorRate(w) * 100).toFixed(2), "ms/page", (ms / receipts.length).toFixed(0), "rss MB", (peak / 1e6).toFixed(0));
await model.close();
