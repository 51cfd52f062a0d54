import { describe, expect, it } from "vitest";
import { MemoryCacheStore } from "../../gateway/cache/memory-cache-store.ts";

const tags = (owner: string, document: string) => ({ owner, document });

describe("MemoryCacheStore", () => {
  it("never holds more than its byte bound: the least recently used entries go first", async () => {
    const store = new MemoryCacheStore({ maxBytes: 64 * 1024, ttlSeconds: 60 });
    const value = "x".repeat(3_000);
    for (let n = 0; n < 200; n++) {
      await store.set(`key-${n}`, value, tags("alice", `doc-${n}`));
      expect(store.size).toBeLessThanOrEqual(64 * 1024);
    }
    // 200 entries of ≥ 6 kB (UTF-16) cannot all fit in 64 kB: the oldest were evicted, the newest stayed.
    expect(await store.get("key-0")).toBeUndefined();
    expect(await store.get("key-199")).toBe(value);
    expect(store.size).toBeGreaterThan(32 * 1024);
  });

  it("refuses an entry larger than the whole bound instead of exceeding it", async () => {
    const store = new MemoryCacheStore({ maxBytes: 4 * 1024, ttlSeconds: 60 });
    await store.set("huge", "y".repeat(10_000), tags("alice", "doc"));
    expect(await store.get("huge")).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it("purges by owner, and by document only the entries that came from it", async () => {
    const store = new MemoryCacheStore({ maxBytes: 1024 * 1024, ttlSeconds: 60 });
    await store.set("a1", "1", tags("alice", "doc-a"));
    await store.set("a2", "2", tags("alice", "doc-b"));
    await store.set("shared", "3", tags("alice", "doc-a"));
    await store.set("shared", "3", tags("alice", "doc-b"));
    await store.set("b1", "4", tags("bob", "doc-a"));

    expect(await store.purgeDocument("alice", "doc-a")).toBe(2);
    expect(await store.get("a1")).toBeUndefined();
    expect(await store.get("shared")).toBeUndefined();
    expect(await store.get("a2")).toBe("2");
    expect(await store.get("b1")).toBe("4");

    expect(await store.purgeOwner("alice")).toBe(1);
    expect(await store.get("a2")).toBeUndefined();
    expect(await store.get("b1")).toBe("4");
  });
});
