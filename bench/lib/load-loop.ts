import { Pool } from "undici";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  throughput: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Answers by HTTP status (0 = connection error). */
  statuses: Record<number, number>;
}

export interface LoadRequest {
  /** Label to group latencies by (e.g. the payload kind). */
  kind: string;
  path: string;
  body: string | Uint8Array;
  headers: Record<string, string>;
}

export interface LoadOptions {
  url: string;
  concurrency: number;
  /** Stop after this long… */
  durationMs?: number;
  /** …or after this many requests, whichever comes first. */
  maxRequests?: number;
  /** The next request to send; called once per request. */
  next: (sequence: number) => LoadRequest;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summarize(
  latencies: number[],
  statuses: Record<number, number>,
  errors: number,
  seconds: number,
): LoadResult {
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    errors,
    seconds,
    throughput: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    statuses,
  };
}

/**
 * A closed-loop load generator: `concurrency` workers each send the next request as soon as the previous one
 * finished, until the time or request budget is spent. Loopback only. Returns the overall result and one per
 * request kind.
 */
export async function runLoad(
  options: LoadOptions,
): Promise<{ all: LoadResult; byKind: Record<string, LoadResult> }> {
  const pool = new Pool(options.url, { connections: options.concurrency, pipelining: 1 });
  const latencies = new Map<string, number[]>();
  const statuses = new Map<string, Record<number, number>>();
  const errors = new Map<string, number>();
  let sequence = 0;
  const started = performance.now();
  const until = started + (options.durationMs ?? Number.POSITIVE_INFINITY);
  const limit = options.maxRequests ?? Number.POSITIVE_INFINITY;
  const worker = async () => {
    while (performance.now() < until && sequence < limit) {
      const request = options.next(sequence++);
      const begin = performance.now();
      let status = 0;
      try {
        const response = await pool.request({
          method: "POST",
          path: request.path,
          headers: request.headers,
          body: request.body,
        });
        await response.body.dump({ limit: Number.POSITIVE_INFINITY });
        status = response.statusCode;
      } catch {
        status = 0;
      }
      const byStatus = statuses.get(request.kind) ?? {};
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      statuses.set(request.kind, byStatus);
      if (status === 200)
        latencies.set(request.kind, [...(latencies.get(request.kind) ?? []), performance.now() - begin]);
      else errors.set(request.kind, (errors.get(request.kind) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  const kinds = new Set([...latencies.keys(), ...errors.keys()]);
  const byKind = Object.fromEntries(
    [...kinds].map((kind) => [
      kind,
      summarize(latencies.get(kind) ?? [], statuses.get(kind) ?? {}, errors.get(kind) ?? 0, seconds),
    ]),
  );
  const allStatuses: Record<number, number> = {};
  for (const byStatus of statuses.values()) {
    for (const [status, count] of Object.entries(byStatus))
      allStatuses[Number(status)] = (allStatuses[Number(status)] ?? 0) + count;
  }
  const all = summarize(
    [...latencies.values()].flat(),
    allStatuses,
    [...errors.values()].reduce((sum, count) => sum + count, 0),
    seconds,
  );
  return { all, byKind };
}
