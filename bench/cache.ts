/**
 * Result cache benchmark: a repeated-document workload through the gateway with the cache off, on (in-process
 * LRU) and on Redis, against the vLLM emulator with GPU-like latency; then the cost of a cache lookup that
 * misses, measured on the lookup itself (page hash, key, store round trip).
 *
 *   npm run bench:cache [-- --requests 200 --repeats 0.3 --concurrency 8 --lookups 500]
 *
 * Redis runs are skipped when 127.0.0.1:6379 does not answer; keys go under a random prefix, deleted after.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { pino } from "pino";
import sharp from "sharp";
import { sha256Hex } from "../gateway/cache/cache-keys.ts";
import type { CacheStore } from "../gateway/cache/cache-store.ts";
import { MemoryCacheStore } from "../gateway/cache/memory-cache-store.ts";
import { RedisCacheStore } from "../gateway/cache/redis-cache-store.ts";
import { ResultCache } from "../gateway/cache/result-cache.ts";
import { DEFAULT_IMAGE_LIMITS } from "../gateway/images/image-limits.ts";
import { normalizeImage } from "../gateway/images/normalize-image.ts";
import { createGatewayMetrics } from "../gateway/metrics/gateway-metrics.ts";
import { type PreparedPage, preparedPage } from "../gateway/ocr/ocr-types.ts";
import { connectRedis } from "../gateway/redis/redis-connection.ts";
import { BUILTIN_PROMPTS_DIR, loadTaskRegistry } from "../gateway/tasks/index.ts";
import { readReceipt } from "../test/support/fixtures.ts";
import { deleteKeys, SHARED_REDIS_URL } from "../test/support/redis-server.ts";
import { startEmulatorAndGateway } from "./lib/child-service.ts";
import { percentile, runLoad } from "./lib/load-loop.ts";
import { multipartBody } from "./lib/multipart-body.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "200" },
    repeats: { type: "string", default: "0.3" },
    concurrency: { type: "string", default: "8" },
    lookups: { type: "string", default: "500" },
  },
});
const requests = Number(values.requests);
const repeatShare = Number(values.repeats);
const concurrency = Number(values.concurrency);
const REDIS_URL = SHARED_REDIS_URL;
const RECEIPTS = 24;

/** Distinct receipt scans: each receipt at a slightly different size, so every one is a new document. */
function variant(n: number): Promise<Buffer> {
  return sharp(readReceipt(String(n % RECEIPTS).padStart(3, "0")))
    .resize({ height: 900 + Math.floor(n / RECEIPTS) * 7 })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/** A seeded generator, so every run (cache on or off) sends the same sequence. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function redisAnswers(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

// The workload: after a first few documents, each request re-sends an earlier document with `repeats` odds.
const random = seeded(13);
const sequence: number[] = [];
let unique = 0;
for (let n = 0; n < requests; n++) {
  const repeat = unique > 5 && random() < repeatShare;
  sequence.push(repeat ? Math.floor(random() * unique) : unique++);
}
process.stderr.write(`preparing ${unique} distinct documents…\n`);
const bodies = await Promise.all(
  Array.from({ length: unique }, async (_, n) =>
    multipartBody(await variant(n), `receipt-${n}.jpg`, { task: "text" }),
  ),
);

/** GPU-like: 8 sequences at once, 200 ms prefill per image, 150 tokens/s per sequence (≈0.9 s per receipt). */
const GPU_LIKE = ["--max-num-seqs", "8", "--prefill-ms-per-image", "200", "--tokens-per-second", "150"];

async function workload(label: string, env: Record<string, string>) {
  const services = await startEmulatorAndGateway(env, GPU_LIKE);
  const { gateway } = services;
  try {
    const { all } = await runLoad({
      url: gateway.url,
      concurrency,
      maxRequests: requests,
      next: (index) => {
        const body = bodies[sequence[index] ?? 0];
        if (!body) throw new Error("no body");
        return { kind: "ocr", path: "/v1/ocr", body: body.body, headers: { "content-type": body.type } };
      },
    });
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const hits = [...metrics.matchAll(/^ocr_gateway_cache_lookups_total\{[^}]*result="hit"\} (\S+)$/gm)]
      .map((match) => Number(match[1]))
      .reduce((sum, count) => sum + count, 0);
    return { label, ...all, hits };
  } finally {
    await services.stop();
  }
}

const redisUp = await redisAnswers();
const prefix = `ocr-bench-${randomBytes(4).toString("hex")}:`;
const runs = [
  await workload("cache off", { CACHE: "off" }),
  await workload("cache on (LRU)", { CACHE: "on" }),
  ...(redisUp
    ? [await workload("cache on (Redis)", { CACHE: "on", REDIS_URL, REDIS_KEY_PREFIX: prefix })]
    : []),
];
const repeats = requests - unique;
console.log(
  `${requests} one-page requests, ${repeats} repeats (${((100 * repeats) / requests).toFixed(0)} %), concurrency ${concurrency}; emulator: 8 seqs, 200 ms prefill, 150 tok/s`,
);
console.log("run                 pages/s   p50 ms   p95 ms  cache hits  errors   vs off");
const off = runs[0]?.throughput ?? Number.NaN;
for (const run of runs) {
  console.log(
    `${run.label.padEnd(18)} ${run.throughput.toFixed(2).padStart(8)} ${run.p50Ms.toFixed(0).padStart(8)} ${run.p95Ms.toFixed(0).padStart(8)} ${String(run.hits).padStart(11)} ${String(run.errors).padStart(7)} ${(run.throughput / off).toFixed(2).padStart(7)}×`,
  );
}

// The lookup itself, on pages never seen (every lookup a miss): page hash + key + store round trip.
const tasks = await loadTaskRegistry([BUILTIN_PROMPTS_DIR]);
const task = tasks.get("text");
const lookupCount = Number(values.lookups);
async function pageOf(bytes: Buffer): Promise<PreparedPage> {
  return preparedPage(0, await normalizeImage(bytes, DEFAULT_IMAGE_LIMITS));
}
// Receipt photos as uploaded, and PNG pages of 2048 px as a rendered PDF page reaches the model.
const photoPages = await Promise.all(
  Array.from({ length: 48 }, async (_, n) => pageOf(await variant(n + 1000))),
);
const pdfSizedPages = await Promise.all(
  Array.from({ length: 12 }, async (_, n) =>
    pageOf(
      await sharp(await variant(n + 2000))
        .resize({ height: 2048 })
        .png()
        .toBuffer(),
    ),
  ),
);
async function lookupLatency(
  store: CacheStore,
  pages: PreparedPage[],
): Promise<{ p50: number; p95: number }> {
  const cache = new ResultCache(store, {
    scope: "owner",
    metrics: createGatewayMetrics(),
    context: { backend: "vllm", model: "tencent/HunyuanOCR", profile: {}, structuredOutputMode: "x" },
  });
  const timings: number[] = [];
  for (let n = 0; n < lookupCount; n++) {
    const page = pages[n % pages.length] as PreparedPage;
    const started = performance.now();
    // A fresh document and owner each time: never a hit, as on a first read.
    const session = cache.session({
      policy: { principal: { kind: "api_key", id: `bench-${n}` }, lookup: true, store: true },
      document: sha256Hex(String(n)),
      task,
      options: { variables: {}, includeImageBase64: false },
    });
    await session.lookup(page);
    timings.push(performance.now() - started);
  }
  const sorted = Float64Array.from(timings).sort();
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}
const kib = (pages: PreparedPage[]) =>
  (pages.reduce((sum, page) => sum + page.image.data.length, 0) / pages.length / 1024).toFixed(0);
const connection = redisUp ? connectRedis({ url: REDIS_URL, logger: pino({ level: "silent" }) }) : undefined;
await connection?.waitUntilUp(2_000);
const stores: Array<[string, CacheStore]> = [
  ["in-process LRU", new MemoryCacheStore({ maxBytes: 256 * 1024 * 1024, ttlSeconds: 60 })],
  ...(connection
    ? [["Redis (loopback)", new RedisCacheStore(connection, prefix, 60)] as [string, CacheStore]]
    : []),
];
console.log(`\nlookup on a miss (${lookupCount} lookups each; page hash + key + store round trip):`);
for (const [label, pages] of [
  [`receipt photos, ${kib(photoPages)} KiB`, photoPages],
  [`2048 px PNG pages, ${kib(pdfSizedPages)} KiB`, pdfSizedPages],
] as const) {
  for (const [name, store] of stores) {
    const { p50, p95 } = await lookupLatency(store, pages);
    console.log(
      `  ${label.padEnd(28)} ${name.padEnd(17)} p50 ${p50.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms`,
    );
  }
}
await connection?.close();
if (redisUp) await deleteKeys(REDIS_URL, prefix);
