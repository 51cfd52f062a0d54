import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

export interface StoredKey {
  /** A label for logs and rate limits (never the key). */
  name: string;
  digest: Buffer;
}

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest();

/**
 * Reads a file of hashed API keys: one per line as `sha256:<64 hex>`, optionally preceded by a name
 * (`ci-runner sha256:…`); blank lines and `#` comments are skipped. A malformed line is an error naming it.
 */
export function readHashedKeyFile(path: string): StoredKey[] {
  const keys: StoredKey[] = [];
  readFileSync(path, "utf8")
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      const match = /^(?:(\S+)\s+)?sha256:([0-9a-f]{64})$/i.exec(line);
      if (!match?.[2])
        throw new Error(`API_KEYS_FILE ${path}:${index + 1}: expected "[name] sha256:<64 hex digits>"`);
      keys.push({ name: match[1] ?? `key-${index + 1}`, digest: Buffer.from(match[2], "hex") });
    });
  return keys;
}

/** Plain keys from `API_KEYS`, hashed at start-up so only digests stay in memory. */
export function hashPlainKeys(keys: readonly string[]): StoredKey[] {
  return keys.map((key, index) => ({ name: `key-${index + 1}`, digest: sha256(key) }));
}

/**
 * Finds the stored key matching `presented`. Compares SHA-256 digests with `timingSafeEqual` against every
 * stored key (no early exit), so timing reveals neither the key nor which one matched.
 */
export function matchApiKey(keys: readonly StoredKey[], presented: string): StoredKey | undefined {
  const digest = sha256(presented);
  let found: StoredKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(key.digest, digest) && found === undefined) found = key;
  }
  return found;
}
