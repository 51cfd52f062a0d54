import { readFile } from "node:fs/promises";
import { boundImage } from "../gateway/engines/embedded/bound-image.ts";
import { loadPpocrModel } from "../gateway/engines/embedded/ppocr-model.ts";
const model = await loadPpocrModel({ intraOpThreads: 2, maxLongSide: 1600, strategy: "per-box" });
for (const id of ["000", "001", "023"]) {
  let t = performance.now();
  const page = await boundImage(await readFile(`test/fixtures/sroie/${id}.jpg`), 1600);
  const t1 = performance.now() - t; t = performance.now();
  const boxes = await model.detect(page.detection);
  const t2 = performance.now() - t;
  console.log(id, page.detection.width, page.detection.height, "bound", t1.toFixed(0), "det", t2.toFixed(0), boxes.length);
}
