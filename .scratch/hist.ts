import { readFile } from "node:fs/promises";
import { boundImage } from "../gateway/engines/embedded/bound-image.ts";
import { cutLine } from "../gateway/engines/embedded/line-image.ts";
import { loadPpocrModel } from "../gateway/engines/embedded/ppocr-model.ts";
import { loadSroieSample } from "../gateway/eval/sroie-dataset.ts";
const model = await loadPpocrModel({ intraOpThreads: 2, maxLongSide: 1216, strategy: "per-box" });
const bins = new Array(20).fill(0);
const ex: string[][] = Array.from({ length: 20 }, () => []);
for (const r of (await loadSroieSample(process.argv[2] ?? "test/fixtures/sroie")).slice(0, 8)) {
  const page = await boundImage(await readFile(r.imagePath), 1216);
  const regions = await model.detect(page.detection);
  const scale = { x: page.recognition.width / page.detection.width, y: page.recognition.height / page.detection.height };
  const dec = await model.read(regions.map((g) => cutLine(page.recognition, g, scale, 48, 48 * 80)));
  for (const chars of dec) for (let i = 1; i < chars.length; i++) {
    if (chars[i - 1]!.text === " " || chars[i]!.text === " ") continue;
    const b = Math.min(19, Math.floor(chars[i]!.spaceBefore * 20));
    bins[b]++;
    if (ex[b]!.length < 4) ex[b]!.push(chars.slice(Math.max(0, i - 4), i).map((c) => c.text).join("") + "|" + chars.slice(i, i + 4).map((c) => c.text).join(""));
  }
}
bins.forEach((n, i) => console.log((i / 20).toFixed(2), n, ex[i]!.join("  ")));
