import { readFile } from "node:fs/promises";
import { boundImage } from "../gateway/engines/embedded/bound-image.ts";
import { cutLine } from "../gateway/engines/embedded/line-image.ts";
import { loadPpocrModel } from "../gateway/engines/embedded/ppocr-model.ts";
const mls = Number(process.env.MLS ?? 1600);
const model = await loadPpocrModel({ intraOpThreads: 2, maxLongSide: mls });
for (const id of ["000", "003", "023"]) {
  const img = await readFile(`test/fixtures/sroie/${id}.jpg`);
  let t = performance.now(); const c0 = process.cpuUsage();
  const page = await boundImage(img, mls); const a = performance.now() - t; t = performance.now();
  const regions = await model.detect(page.detection); const b = performance.now() - t; t = performance.now();
  const scale = { x: page.recognition.width / page.detection.width, y: page.recognition.height / page.detection.height };
  const lines = regions.map((r) => cutLine(page.recognition, r, scale, 48, 48 * 80)); const c = performance.now() - t; t = performance.now();
  await model.read(lines); const d = performance.now() - t;
  const cu = process.cpuUsage(c0);
  console.log(id, page.detection.width, page.detection.height, page.recognition.width, "bound", a.toFixed(0), "det", b.toFixed(0), "cut", c.toFixed(0), "read", d.toFixed(0), "n", lines.length, "sumW", lines.reduce((s, l) => s + l.width, 0), "cpu", ((cu.user + cu.system) / 1000).toFixed(0));
}
