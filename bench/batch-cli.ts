/**
 * Throughput of `ocr-gateway batch` against the vLLM emulator's capacity model: with a fixed latency per
 * request and `max_num_seqs` sequences at once, the upstream can do at most max_num_seqs / latency pages/s.
 * The CLI runs as a real child process (in-process backend, VLLM_URL = the emulator) on a generated folder
 * of single-page images; the figure is its pages/s over that maximum (goal ≥ 0.95).
 *
 *   npm run bench:batch-cli [-- --pages 600 --latency-ms 200 --max-num-seqs 8]
 *
 * Two settings: the gateway's defaults, and UPSTREAM_MAX_CONCURRENCY equal to max_num_seqs (what an
 * operator sets so the gateway queues instead of vLLM), where the adaptive limit must find the headroom.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { makeArchive } from "../test/cli/batch/make-archive.ts";
import { VllmEmulator } from "../test/support/vllm-emulator/index.ts";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "600" },
    "latency-ms": { type: "string", default: "200" },
    "max-num-seqs": { type: "string", default: "8" },
  },
});
const pages = Number(values.pages);
const latencyMs = Number(values["latency-ms"]);
const maxNumSeqs = Number(values["max-num-seqs"]);
const maximum = maxNumSeqs / (latencyMs / 1000);

const work = await mkdtemp(path.join(tmpdir(), "bench-batch-cli-"));
const archive = await makeArchive(path.join(work, "archive"), { images: pages, pdfs: 0 });
await rm(path.join(archive.root, "broken"), { recursive: true });
const emulator = await VllmEmulator.start({ maxNumSeqs, recordLimit: 10 });
emulator.setDefaultAnswer(() => ({ text: "A page of an archive.", firstTokenDelayMs: latencyMs }));

interface Report {
  wall_seconds: number;
  pages: { read: number; per_second: number };
  documents: { done: number; failed: number };
}

async function runCli(label: string, env: Record<string, string>): Promise<void> {
  const out = path.join(work, `out-${label}`);
  const child = spawn(
    process.execPath,
    ["bin/ocr-gateway.js", "batch", archive.root, "--out", out, "--format", "md,json", "--quiet"],
    {
      env: { ...process.env, VLLM_URL: emulator.url, UPSTREAM_HEALTH_INTERVAL_MS: "0", ...env },
      stdio: "inherit",
    },
  );
  await new Promise((resolve) => child.on("exit", resolve));
  const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8")) as Report;
  const ratio = report.pages.per_second / maximum;
  console.log(
    `${label.padEnd(34)} ${report.pages.read} pages in ${report.wall_seconds.toFixed(1)} s = ` +
      `${report.pages.per_second.toFixed(1)} pages/s; ratio ${ratio.toFixed(3)} (failed ${report.documents.failed})`,
  );
}

console.log(
  `emulator: max_num_seqs ${maxNumSeqs}, ${latencyMs} ms per request → max ${maximum.toFixed(1)} pages/s; ${pages} images`,
);
try {
  await runCli("defaults", {});
  await runCli(`UPSTREAM_MAX_CONCURRENCY=${maxNumSeqs}`, { UPSTREAM_MAX_CONCURRENCY: String(maxNumSeqs) });
} finally {
  await emulator.close();
  await rm(work, { recursive: true, force: true });
}
