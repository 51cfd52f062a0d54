/**
 * Gateway overhead: the same closed-loop load sent straight to the vLLM emulator and through the gateway, in
 * one run, at 1, 16 and 64 concurrent requests. Prints p50/p99 latency, throughput and the ratios.
 *
 *   npm run bench:overhead [-- --seconds 5 --image 000 | --image tiny]
 *
 * `--image tiny` sends a 64×64 PNG instead of a receipt, to separate the per-request cost from the cost of
 * moving ~130 KB of base64 through one more hop.
 */
import { parseArgs } from "node:util";
import sharp from "sharp";
import { receiptDataUrl } from "../test/support/fixtures.ts";
import { startEmulatorAndGateway } from "./lib/child-service.ts";
import { type LoadRequest, type LoadResult, runLoad } from "./lib/load-loop.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    image: { type: "string", default: "000" },
    concurrency: { type: "string", default: "1,16,64" },
  },
});
const durationMs = Number(values.seconds) * 1000;
const levels = values.concurrency.split(",").map(Number);

async function imageUrl(name: string): Promise<string> {
  if (name !== "tiny") return receiptDataUrl(name);
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#fff" } })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString("base64")}`;
}

const body = JSON.stringify({
  model: "tencent/HunyuanOCR",
  max_tokens: 64,
  messages: [
    { role: "system", content: "" },
    {
      role: "user",
      content: [
        { type: "image_url", image_url: { url: await imageUrl(values.image) } },
        { type: "text", text: "提取图中的文字。" },
      ],
    },
  ],
});

const request: LoadRequest = {
  kind: "chat",
  path: "/v1/chat/completions",
  body,
  headers: { "content-type": "application/json" },
};
const load = async (url: string, concurrency: number, ms: number): Promise<LoadResult> =>
  (await runLoad({ url, concurrency, durationMs: ms, next: () => request })).all;

const services = await startEmulatorAndGateway();
const { emulator, gateway } = services;

const fmt = (value: number, digits = 2) => value.toFixed(digits).padStart(9);
const rows: string[] = [];
const results: Array<{ concurrency: number; direct: LoadResult; gateway: LoadResult }> = [];
try {
  await load(emulator.url, 4, 1500);
  await load(gateway.url, 4, 1500);
  for (const concurrency of levels) {
    const direct = await load(emulator.url, concurrency, durationMs);
    const through = await load(gateway.url, concurrency, durationMs);
    results.push({ concurrency, direct, gateway: through });
    rows.push(
      [
        String(concurrency).padStart(5),
        fmt(direct.p50Ms),
        fmt(through.p50Ms),
        fmt(through.p50Ms - direct.p50Ms),
        fmt(direct.p99Ms),
        fmt(through.p99Ms),
        fmt(through.p99Ms - direct.p99Ms),
        fmt(direct.throughput, 0),
        fmt(through.throughput, 0),
        fmt(through.throughput / direct.throughput),
        String(direct.errors + through.errors).padStart(6),
      ].join(" "),
    );
  }
} finally {
  await services.stop();
}

console.log(
  `payload: chat request with receipt ${values.image} (${(body.length / 1024).toFixed(0)} KiB), ${values.seconds}s per run`,
);
console.log(
  "conc.   p50 dir   p50 gw  +p50 ms   p99 dir   p99 gw  +p99 ms   rps dir    rps gw  rps ratio errors",
);
for (const row of rows) console.log(row);
console.log(JSON.stringify({ bench: "overhead", results }));
