import { ServiceUnavailableError } from "../errors.ts";
import type { RedisConnection } from "../redis/redis-connection.ts";
import type { CacheStore, EntryTags } from "./cache-store.ts";

const DELETE_BATCH = 500;

/** Escapes Redis glob characters so a key prefix is matched literally by SCAN. */
function globLiteral(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/**
 * The shared store: entries in Redis with a TTL (`SET … EX`), shared by every replica. Each entry is also added
 * to a set per owner and a set per (owner, document) so a purge deletes exactly the caller's entries without
 * scanning the keyspace; the sets expire with their newest entry. Keys:
 * `<prefix>cache:e:<key>`, `<prefix>cache:o:<owner>`, `<prefix>cache:d:<owner>:<document>`.
 */
export class RedisCacheStore implements CacheStore {
  readonly kind = "redis";

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  async get(key: string): Promise<string | undefined> {
    if (!this.redis.isUp()) return undefined;
    try {
      return (await this.redis.client.get(this.#entry(key))) ?? undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: string, tags: EntryTags): Promise<void> {
    if (!this.redis.isUp()) return;
    const entry = this.#entry(key);
    const owner = this.#owner(tags.owner);
    const document = this.#document(tags.owner, tags.document);
    try {
      await this.redis.client
        .multi()
        .set(entry, value, "EX", this.ttlSeconds)
        .sadd(owner, entry)
        .expire(owner, this.ttlSeconds)
        .sadd(document, entry)
        .expire(document, this.ttlSeconds)
        .exec();
    } catch {
      // A result that cannot be kept is only a future miss.
    }
  }

  async purgeOwner(owner: string): Promise<number> {
    return this.#whileUp(async () => {
      const client = this.redis.client;
      const deleted = await this.#deleteMembers(this.#owner(owner));
      const pattern = `${globLiteral(this.#document(owner, ""))}*`;
      let cursor = "0";
      do {
        const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 1000);
        if (keys.length > 0) await client.del(...keys);
        cursor = next;
      } while (cursor !== "0");
      return deleted;
    });
  }

  async purgeDocument(owner: string, document: string): Promise<number> {
    return this.#whileUp(async () => {
      const set = this.#document(owner, document);
      const entries = await this.redis.client.smembers(set);
      const deleted = await this.#deleteMembers(set);
      if (entries.length > 0) await this.redis.client.srem(this.#owner(owner), ...entries);
      return deleted;
    });
  }

  /** Deletes the entries listed in `set`, then the set; resolves to the entries that still existed. */
  async #deleteMembers(set: string): Promise<number> {
    const client = this.redis.client;
    const entries = await client.smembers(set);
    let deleted = 0;
    for (let start = 0; start < entries.length; start += DELETE_BATCH) {
      deleted += await client.del(...entries.slice(start, start + DELETE_BATCH));
    }
    await client.del(set);
    return deleted;
  }

  async #whileUp(purge: () => Promise<number>): Promise<number> {
    const unavailable = (cause?: unknown) =>
      new ServiceUnavailableError(
        "cache_unavailable",
        "The shared cache (Redis) is unreachable, so nothing was purged; retry shortly.",
        { headers: { "retry-after": "5" }, cause },
      );
    if (!this.redis.isUp()) throw unavailable();
    try {
      return await purge();
    } catch (error) {
      throw unavailable(error);
    }
  }

  #entry(key: string): string {
    return `${this.prefix}cache:e:${key}`;
  }

  #owner(owner: string): string {
    return `${this.prefix}cache:o:${owner}`;
  }

  #document(owner: string, document: string): string {
    return `${this.prefix}cache:d:${owner}:${document}`;
  }
}
