/**
 * Throughput of `ocr-gateway batch` against the vLLM emulator's capacity model: with a fixed latency per
 * request and `max_num_seqs` sequences at once, the upstream can do at most max_num_seqs / latency pages/s.
 * The CLI runs as a real child process (in-process backend, VLLM_URL = the emulator) on a generated folder
 * of single-page images; the figure is its pages/s over that maximum (goal ≥ 0.95): over the whole run (the
 * CLI's report, start-up and ramp included) and over the window in which the model had work, with how full
 * the emulator's slots were in that window.
 *
 *   npm run bench:batch-cli [-- --pages 600 --latency-ms 200 --max-num-seqs 8]
 *
 * Settings: the gateway's defaults, and UPSTREAM_MAX_CONCURRENCY equal to max_num_seqs (what an operator
 * sets so the gateway queues instead of vLLM), where the adaptive limit must find the headroom; both without
 * the orientation check (AUTO_ROTATE=off), then the defaults with it, whose cost is CPU per page.
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

/** Watches the emulator: when the model first and last had work, and how full its slots were meanwhile. */
function watchUpstream() {
  let first = 0;
  let last = 0;
  let samples = 0;
  let busy = 0;
  const timer = setInterval(() => {
    const running = emulator.runningRequests;
    if (running === 0 && first === 0) return;
    if (running > 0) {
      first ||= performance.now();
      last = performance.now();
    }
    samples++;
    busy += running / maxNumSeqs;
  }, 10);
  return () => {
    clearInterval(timer);
    return { seconds: (last - first) / 1000, utilisation: busy / Math.max(samples, 1) };
  };
}

async function runCli(label: string, env: Record<string, string>): Promise<void> {
  const out = path.join(work, `out-${label}`);
  const stopWatching = watchUpstream();
  const child = spawn(
    process.execPath,
    ["bin/ocr-gateway.js", "batch", archive.root, "--out", out, "--format", "md,json", "--quiet"],
    {
      env: { ...process.env, VLLM_URL: emulator.url, UPSTREAM_HEALTH_INTERVAL_MS: "0", ...env },
      stdio: "inherit",
    },
  );
  await new Promise((resolve) => child.on("exit", resolve));
  const upstream = stopWatching();
  const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8")) as Report;
  const ratio = report.pages.per_second / maximum;
  const windowRate = report.pages.read / upstream.seconds;
  console.log(
    `${label.padEnd(28)} ${report.pages.read} pages (failed ${report.documents.failed}); ` +
      `whole run ${report.wall_seconds.toFixed(1)} s = ${report.pages.per_second.toFixed(1)} pages/s, ratio ${ratio.toFixed(3)}; ` +
      `model busy ${upstream.seconds.toFixed(1)} s = ${windowRate.toFixed(1)} pages/s, ratio ${(windowRate / maximum).toFixed(3)}, ` +
      `slots ${(100 * upstream.utilisation).toFixed(1)} % full`,
  );
}

console.log(
  `emulator: max_num_seqs ${maxNumSeqs}, ${latencyMs} ms per request → max ${maximum.toFixed(1)} pages/s; ${pages} images`,
);
try {
  // The scheduling figures leave out the orientation check: it is CPU work per page (bench:rotation measures
  // it), so with it the ceiling is this machine's cores, not the CLI's ability to keep the model busy.
  await runCli("defaults, AUTO_ROTATE=off", { AUTO_ROTATE: "off" });
  await runCli(`UPSTREAM_MAX_CONCURRENCY=${maxNumSeqs}, off`, {
    UPSTREAM_MAX_CONCURRENCY: String(maxNumSeqs),
    AUTO_ROTATE: "off",
  });
  await runCli("defaults (AUTO_ROTATE=on)", {});
} finally {
  await emulator.close();
  await rm(work, { recursive: true, force: true });
}
