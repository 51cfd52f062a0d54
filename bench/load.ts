/**
 * Load test: 10,000 requests with mixed payloads through the gateway (vLLM emulator upstream), printing
 * throughput, latency percentiles per payload kind and the gateway's RSS before, during (peak) and after.
 *
 *   npm run bench:load [-- --requests 10000 --concurrency 32]
 *
 * Mix: chat with a receipt (non-streaming and streaming), /v1/ocr multipart uploads of receipts, and /v1/ocr
 * with a ~3 MB scan that the gateway must downscale.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { readReceipt, receiptDataUrl } from "../test/support/fixtures.ts";
import { startEmulatorAndGateway } from "./lib/child-service.ts";
import { type LoadRequest, runLoad } from "./lib/load-loop.ts";
import { multipartBody } from "./lib/multipart-body.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "32" },
  },
});

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

// A ~3 MB scan: a receipt upscaled to print resolution, saved at high quality.
const bigScan = await sharp(readReceipt("004"))
  .resize({ height: 7000 })
  .sharpen()
  .jpeg({ quality: 98 })
  .toBuffer();
const chatBody = (stream: boolean) =>
  JSON.stringify({
    model: "hunyuan-ocr",
    max_tokens: 128,
    stream,
    messages: [
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url: receiptDataUrl("001") } },
          { type: "text", text: "提取图中的文字。" },
        ],
      },
    ],
  });
const json = { "content-type": "application/json" };
const smallUpload = multipartBody(readReceipt("002"), "receipt.jpg", { task: "text" });
const bigUpload = multipartBody(bigScan, "scan.jpg", { task: "spotting" });
const mix: Array<[number, LoadRequest]> = [
  [50, { kind: "chat", path: "/v1/chat/completions", body: chatBody(false), headers: json }],
  [20, { kind: "chat-stream", path: "/v1/chat/completions", body: chatBody(true), headers: json }],
  [
    25,
    {
      kind: "ocr-upload",
      path: "/v1/ocr",
      body: smallUpload.body,
      headers: { "content-type": smallUpload.type },
    },
  ],
  [
    5,
    {
      kind: "ocr-3mb-scan",
      path: "/v1/ocr",
      body: bigUpload.body,
      headers: { "content-type": bigUpload.type },
    },
  ],
];
const schedule = mix.flatMap(([weight, request]) => Array.from({ length: weight }, () => request));

const services = await startEmulatorAndGateway({ UPSTREAM_MAX_QUEUE: "4096" });
const { gateway } = services;

try {
  const pid = gateway.process.pid;
  const before = rssMb(pid);
  let peak = before;
  const series: Array<{ requests: number; rssMb: number; heapMb: number }> = [];
  const heapMb = async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? Number.NaN) / 1e6;
  };
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 250);
  let nextSample = 0;
  const requests = Number(values.requests);
  let done = 0;
  const progress = setInterval(() => process.stderr.write(`\r${done}/${requests} requests`), 1000);
  const { all, byKind } = await runLoad({
    url: gateway.url,
    concurrency: Number(values.concurrency),
    maxRequests: requests,
    next: (sequence) => {
      done = sequence + 1;
      if (sequence >= nextSample) {
        nextSample += Math.ceil(requests / 10);
        void heapMb().then((heap) =>
          series.push({ requests: sequence, rssMb: Math.round(rssMb(pid)), heapMb: Math.round(heap) }),
        );
      }
      return schedule[sequence % schedule.length] as LoadRequest;
    },
  });
  clearInterval(progress);
  clearInterval(sampler);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = rssMb(pid);
  process.stderr.write("\n");
  console.log(
    `${requests} requests, concurrency ${values.concurrency}, scan ${(bigScan.length / 1e6).toFixed(1)} MB`,
  );
  console.log("kind            requests  errors   req/s    p50 ms    p95 ms    p99 ms");
  for (const [kind, result] of [...Object.entries(byKind), ["ALL", all] as const]) {
    console.log(
      `${kind.padEnd(15)} ${String(result.requests).padStart(8)} ${String(result.errors).padStart(7)} ${result.throughput.toFixed(1).padStart(7)} ${result.p50Ms.toFixed(1).padStart(9)} ${result.p95Ms.toFixed(1).padStart(9)} ${result.p99Ms.toFixed(1).padStart(9)}`,
    );
  }
  console.log(`statuses ${JSON.stringify(all.statuses)}`);
  console.log(
    `gateway RSS: before ${before.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, after ${after.toFixed(0)} MB`,
  );
  const points = series.map((point) => `${point.requests}: ${point.rssMb}/${point.heapMb}`);
  console.log(`RSS / JS heap used (MB) after n requests: ${points.join(", ")}`);
  console.log(
    JSON.stringify({ bench: "load", requests, all, byKind, rssMb: { before, peak, after }, series }),
  );
} finally {
  await services.stop();
}
