import { readFile } from "node:fs/promises";
import { loadPpocrModel } from "./old-model.ts";
import { boundImage } from "./old-bound.ts";
import { loadSroieSample } from "../gateway/eval/sroie-dataset.ts";
import { characterErrors, errorRate, wordErrors, type ErrorCount } from "../gateway/eval/text-metrics.ts";
const dir = process.argv[2] ?? "test/fixtures/sroie";
const show = process.argv[3];
const model = await loadPpocrModel({ intraOpThreads: 2, maxLongSide: 1600, strategy: "per-box" });
const s: ErrorCount[] = [], w: ErrorCount[] = [];
for (const r of await loadSroieSample(dir)) {
  const b = await boundImage(await readFile(r.imagePath), 1600);
  const segs = await model.recognize(b.png);
  const seg = segs.sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x).map((x) => x.text).join("\n");
  const se = characterErrors(r.truth, seg), we = wordErrors(r.truth, seg);
  s.push(se); w.push(we);
  console.log(r.id, (se.errors / se.referenceLength * 100).toFixed(1), (we.errors / we.referenceLength * 100).toFixed(1));
  if (show === r.id) console.log(seg);
}
console.log("segments", (errorRate(s) * 100).toFixed(2), "WER", (errorRate(w) * 100).toFixed(2));
await model.close();
