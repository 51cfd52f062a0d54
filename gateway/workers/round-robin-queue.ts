/**
 * A queue that serves its groups in turn rather than its items in arrival order: the next item comes from the
 * group served least recently (never-served groups first), so with one group per document a 500-page PDF queued
 * first does not make a 1-page PDF queued next wait for all 500 pages.
 */
export class RoundRobinQueue<T> {
  readonly #groups = new Map<unknown, T[]>();
  /** When each group was last served; kept while the group has work running (see `forget`). */
  readonly #lastServed = new Map<unknown, number>();
  #served = 0;
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

  /** Takes the oldest item of the least recently served group that `eligible` accepts, or `undefined`. */
  take(eligible: (group: unknown) => boolean = () => true): T | undefined {
    let chosen: { group: unknown; items: T[]; served: number } | undefined;
    for (const [group, items] of this.#groups) {
      const served = this.#lastServed.get(group) ?? 0;
      if ((chosen === undefined || served < chosen.served) && eligible(group))
        chosen = { group, items, served };
    }
    if (chosen === undefined) return undefined;
    const item = chosen.items.shift() as T;
    if (chosen.items.length === 0) this.#groups.delete(chosen.group);
    this.#lastServed.set(chosen.group, ++this.#served);
    this.#size--;
    return item;
  }

  /** Drops what the queue remembers of `group` once it has nothing queued (call when its last task ends). */
  forget(group: unknown): void {
    if (!this.#groups.has(group)) this.#lastServed.delete(group);
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
    this.#lastServed.clear();
    this.#size = 0;
    return all;
  }
}
