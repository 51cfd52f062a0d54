/** Who an entry belongs to and which documents it came from: what a purge selects by. */
export interface EntryTags {
  /** The cache scope: a hash of the API key name or JWT subject, or "global". */
  owner: string;
  /** SHA-256 (hex) of the document the page was read from. */
  document: string;
}

/**
 * Where cached page results live: in this process (LRU bounded in bytes) or in Redis (shared by replicas).
 * `get` and `set` never throw: a store that cannot answer is a miss, and a result it cannot keep is dropped.
 * Purges do throw when the store is unreachable, because the caller must know nothing was deleted.
 */
export interface CacheStore {
  readonly kind: "memory" | "redis";
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, tags: EntryTags): Promise<void>;
  /** Deletes every entry of `owner`; resolves to how many. */
  purgeOwner(owner: string): Promise<number>;
  /** Deletes the entries of `owner` that came from `document`; resolves to how many. */
  purgeDocument(owner: string, document: string): Promise<number>;
}
