import { readFile } from "node:fs/promises";
import { loadPpocrModel } from "./old-model.ts";
import { boundImage } from "./old-bound.ts";
const model = await loadPpocrModel({ intraOpThreads: 2, maxLongSide: 1600, strategy: "per-box" } as never);
for (const id of ["000", "003", "023"]) {
  const t = performance.now(); const c0 = process.cpuUsage();
  const b = await boundImage(await readFile(`test/fixtures/sroie/${id}.jpg`), 1600);
  await model.recognize(b.png);
  const cu = process.cpuUsage(c0);
  console.log(id, "wall", (performance.now() - t).toFixed(0), "cpu", ((cu.user + cu.system) / 1000).toFixed(0));
}
