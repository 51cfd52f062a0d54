import { describe, expect, it } from "vitest";
import { GatewayError } from "../../gateway/errors.ts";
import { ReplicaPool, type ReplicaPoolOptions } from "../../gateway/upstream/replica-pool.ts";

const options = (overrides: Partial<ReplicaPoolOptions> = {}): ReplicaPoolOptions => ({
  urls: ["http://a", "http://b"],
  maxConcurrentPerReplica: 2,
  maxQueue: 2,
  queueTimeoutMs: 1_000,
  ejectAfterFailures: 2,
  ejectionCooldownMs: 60_000,
  ...overrides,
});

describe("ReplicaPool", () => {
  it("sends each request to the replica with the fewest outstanding requests", async () => {
    const pool = new ReplicaPool(options());
    const first = await pool.acquire();
    const second = await pool.acquire();
    expect(new Set([first.url, second.url])).toEqual(new Set(["http://a", "http://b"]));
    pool.release(first, "ok");
    expect((await pool.acquire()).url).toBe(first.url);
  });

  it("queues when every replica is at its cap and hands the slot over in order", async () => {
    const pool = new ReplicaPool(options());
    const held = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()]);
    const order: number[] = [];
    const waiting = [pool.acquire().then(() => order.push(1)), pool.acquire().then(() => order.push(2))];
    expect(pool.queued).toBe(2);
    for (const replica of held.slice(0, 2)) pool.release(replica, "ok");
    await Promise.all(waiting);
    expect(order).toEqual([1, 2]);
  });

  it("refuses with 429 and retry-after when the queue is full", async () => {
    let rejected = 0;
    const pool = new ReplicaPool(options({ maxQueue: 1, observer: { rejected: () => rejected++ } }));
    await Promise.all([pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()]);
    void pool.acquire().catch(() => undefined);
    const error = await pool.acquire().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(429);
    expect((error as GatewayError).code).toBe("queue_full");
    expect((error as GatewayError).headers["retry-after"]).toBe("1");
    expect(rejected).toBe(1);
    pool.close(new Error("done"));
  });

  it("gives up waiting with 503 queue_timeout, and leaves the queue when the caller aborts", async () => {
    const pool = new ReplicaPool(
      options({ urls: ["http://a"], maxConcurrentPerReplica: 1, queueTimeoutMs: 50 }),
    );
    await pool.acquire();
    const timedOut = (await pool.acquire().catch((caught: unknown) => caught)) as GatewayError;
    expect([timedOut.status, timedOut.code]).toEqual([503, "queue_timeout"]);
    const controller = new AbortController();
    const aborted = pool.acquire(controller.signal).catch((caught: unknown) => caught);
    controller.abort(new Error("client left"));
    expect(((await aborted) as Error).message).toBe("client left");
    expect(pool.queued).toBe(0);
  });

  it("ejects a replica after consecutive failures and re-admits it when a health check passes", async () => {
    const health: Array<[string, boolean]> = [];
    const pool = new ReplicaPool(
      options({ observer: { health: (url, healthy) => health.push([url, healthy]) } }),
    );
    const [a] = pool.replicas;
    if (!a) throw new Error("no replica");
    for (let i = 0; i < 2; i++) {
      a.inFlight++;
      pool.release(a, "failed");
    }
    expect(health.at(-1)).toEqual(["http://a", false]);
    for (let i = 0; i < 2; i++) expect((await pool.acquire()).url).toBe("http://b");
    pool.reportHealth(a, true);
    expect(health.at(-1)).toEqual(["http://a", true]);
    expect(pool.anyAvailable()).toBe(true);
  });

  it("prefers a replica that has not failed this request, and falls back to all when none is healthy", async () => {
    const pool = new ReplicaPool(options());
    expect((await pool.acquire(undefined, new Set(["http://a"]))).url).toBe("http://b");
    for (const replica of pool.replicas) pool.reportHealth(replica, false);
    expect(pool.anyAvailable()).toBe(false);
    const chosen = await pool.acquire();
    expect(["http://a", "http://b"]).toContain(chosen.url);
  });
});
