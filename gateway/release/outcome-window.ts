/** The most recent `size` yes/no outcomes and how many of them were "yes", in O(1) per record. */
export class OutcomeWindow {
  readonly #slots: Uint8Array;
  #next = 0;
  #count = 0;
  #hits = 0;

  constructor(readonly size: number) {
    this.#slots = new Uint8Array(size);
  }

  record(hit: boolean): void {
    if (this.#count === this.size) this.#hits -= this.#slots[this.#next] as number;
    else this.#count++;
    this.#slots[this.#next] = hit ? 1 : 0;
    if (hit) this.#hits++;
    this.#next = (this.#next + 1) % this.size;
  }

  get count(): number {
    return this.#count;
  }

  /** Share of "yes" outcomes in the window (0 when empty). */
  get rate(): number {
    return this.#count === 0 ? 0 : this.#hits / this.#count;
  }
}
