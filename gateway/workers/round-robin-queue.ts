/**
 * A queue that serves its groups in turn rather than its items in arrival order: with one group per document,
 * a 500-page PDF queued first does not make a 1-page PDF queued next wait for all 500 pages.
 */
export class RoundRobinQueue<T> {
  /** Groups in serving order; a group moves to the back after one of its items is taken. */
  readonly #groups = new Map<unknown, T[]>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(group: unknown, item: T): void {
    const items = this.#groups.get(group);
    if (items) items.push(item);
    else this.#groups.set(group, [item]);
    this.#size++;
  }

  /** Takes the oldest item of the first group `eligible` accepts, or `undefined`. */
  take(eligible: (group: unknown) => boolean = () => true): T | undefined {
    for (const [group, items] of this.#groups) {
      if (!eligible(group)) continue;
      const item = items.shift() as T;
      this.#groups.delete(group);
      if (items.length > 0) this.#groups.set(group, items);
      this.#size--;
      return item;
    }
    return undefined;
  }

  /** Removes `item` (e.g. when its caller gave up); false when it was not queued. */
  remove(group: unknown, item: T): boolean {
    const items = this.#groups.get(group);
    const at = items?.indexOf(item) ?? -1;
    if (!items || at < 0) return false;
    items.splice(at, 1);
    if (items.length === 0) this.#groups.delete(group);
    this.#size--;
    return true;
  }

  /** Removes and returns every item `matches` accepts. */
  removeWhere(matches: (item: T) => boolean): T[] {
    const removed: T[] = [];
    for (const [group, items] of this.#groups) {
      const kept = items.filter((item) => !matches(item));
      if (kept.length === items.length) continue;
      removed.push(...items.filter(matches));
      if (kept.length > 0) this.#groups.set(group, kept);
      else this.#groups.delete(group);
    }
    this.#size -= removed.length;
    return removed;
  }

  /** Empties the queue and returns what it held. */
  drain(): T[] {
    const all = [...this.#groups.values()].flat();
    this.#groups.clear();
    this.#size = 0;
    return all;
  }
}
