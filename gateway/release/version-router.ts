import { createHash } from "node:crypto";

/**
 * A point in [0, 1) fixed for `key` (the request's owner): the same tenant always lands on the same point, so
 * it sees one version for as long as the weights hold, and a weight change moves only the tenants whose
 * point crosses a boundary. Without a key (anonymous callers) every request draws a fresh point.
 */
export function routingPoint(key: string | undefined): number {
  if (key === undefined) return Math.random();
  const digest = createHash("sha256").update(key).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The item whose slice of [0, 1) holds `point`, slices laid out in order, each as wide as its share of the
 * total weight. Undefined when every weight is 0.
 */
export function pickByWeight<T extends { readonly weight: number }>(
  items: readonly T[],
  point: number,
): T | undefined {
  const total = items.reduce((sum, item) => sum + Math.max(0, item.weight), 0);
  if (total <= 0) return undefined;
  let edge = 0;
  let last: T | undefined;
  for (const item of items) {
    if (item.weight <= 0) continue;
    edge += item.weight / total;
    last = item;
    if (point < edge) return item;
  }
  return last;
}
