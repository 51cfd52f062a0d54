import { LRUCache } from "lru-cache";
import type { CacheStore, EntryTags } from "./cache-store.ts";

interface MemoryEntry {
  value: string;
  owner: string;
  /** Every document that contained this page (the same page can arrive inside several documents). */
  documents: Set<string>;
}

/** Bytes an entry holds beyond its JSON: key, owner, document hashes and object overhead (an estimate). */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * The in-process store: an LRU bounded by `maxBytes` (lru-cache's `maxSize` with the entry's size computed
 * from its JSON), entries expiring after `ttlSeconds`. Purges walk the entries: the store is bounded, so a
 * purge is at worst one pass over `maxBytes` of memory, and it needs no second index to keep consistent.
 */
export class MemoryCacheStore implements CacheStore {
  readonly kind = "memory";
  readonly #lru: LRUCache<string, MemoryEntry>;

  constructor(options: { maxBytes: number; ttlSeconds: number }) {
    this.#lru = new LRUCache<string, MemoryEntry>({
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) =>
        // JS strings are UTF-16: two bytes per code unit.
        2 * (entry.value.length + key.length) + 64 * (entry.documents.size + 1) + ENTRY_OVERHEAD_BYTES,
      ttl: options.ttlSeconds * 1000,
    });
  }

  /** Bytes the entries are counted as (never above `maxBytes`). */
  get size(): number {
    return this.#lru.calculatedSize;
  }

  async get(key: string): Promise<string | undefined> {
    return this.#lru.get(key)?.value;
  }

  async set(key: string, value: string, tags: EntryTags): Promise<void> {
    const existing = this.#lru.get(key, { updateAgeOnGet: false });
    const documents = new Set(existing?.documents ?? []);
    documents.add(tags.document);
    this.#lru.set(key, { value, owner: tags.owner, documents });
  }

  async purgeOwner(owner: string): Promise<number> {
    return this.#purge((entry) => entry.owner === owner);
  }

  async purgeDocument(owner: string, document: string): Promise<number> {
    return this.#purge((entry) => entry.owner === owner && entry.documents.has(document));
  }

  #purge(matches: (entry: MemoryEntry) => boolean): number {
    const doomed: string[] = [];
    for (const [key, entry] of this.#lru.entries()) if (matches(entry)) doomed.push(key);
    for (const key of doomed) this.#lru.delete(key);
    return doomed.length;
  }
}
