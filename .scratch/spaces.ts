import { readFile } from "node:fs/promises";
import { boundImage } from "../gateway/engines/embedded/bound-image.ts";
import { cutLine } from "../gateway/engines/embedded/line-image.ts";
import { loadPpocrModel } from "../gateway/engines/embedded/ppocr-model.ts";
const model = await loadPpocrModel({ intraOpThreads: 2, maxLongSide: 1216, strategy: "per-box" });
const page = await boundImage(await readFile(`test/fixtures/sroie/${process.argv[2]}.jpg`), 1216);
const regions = await model.detect(page.detection);
const scale = { x: page.recognition.width / page.detection.width, y: page.recognition.height / page.detection.height };
const lines = regions.map((r) => cutLine(page.recognition, r, scale, 48, 48 * 80));
const dec = await model.read(lines);
for (const chars of dec.slice(0, Number(process.argv[3] ?? 12))) {
  console.log(chars.map((c) => c.text).join(""));
  console.log(chars.map((c) => `${c.text}[${c.first}-${c.last}|${c.spaceBefore.toFixed(2)}]`).join(" "));
}
