export interface TrimOptions {
  /** Shorter texts are returned unchanged (official 1.0 rule: 8,000; the 1.5 client: 2,000). */
  minChars?: number;
  /** Back-to-back copies of the tail unit that count as a loop (official: 10). */
  minRepeats?: number;
}

export interface TrimResult {
  text: string;
  looped: boolean;
  /** Characters removed (0 when no loop). */
  removedChars: number;
}

/**
 * The official cleanup for greedy-decoding loops: when `text` has at least `minChars` characters and ends
 * in a unit of 2 … n/`minRepeats` characters repeated at least `minRepeats` times back to back, keeps one
 * copy. The shortest such unit wins, as in the reference implementation.
 */
export function trimRepetitionLoop(
  text: string,
  { minChars = 8000, minRepeats = 10 }: TrimOptions = {},
): TrimResult {
  const n = text.length;
  if (n < minChars) return { text, looped: false, removedChars: 0 };
  const maxUnit = Math.floor(n / minRepeats);
  for (let unit = 2; unit <= maxUnit; unit++) {
    // Cheap filter before comparing strings: the last character must recur one unit earlier.
    if (text.charCodeAt(n - 1) !== text.charCodeAt(n - 1 - unit)) continue;
    const candidate = text.slice(n - unit);
    let copies = 1;
    for (let start = n - 2 * unit; start >= 0 && text.startsWith(candidate, start); start -= unit) copies++;
    if (copies >= minRepeats) {
      const removedChars = unit * (copies - 1);
      return { text: text.slice(0, n - removedChars), looped: true, removedChars };
    }
  }
  return { text, looped: false, removedChars: 0 };
}

/**
 * True when `text` ends in a unit of 1 … `maxUnit` characters (not only whitespace) repeated at least
 * `minRepeats` times back to back (the 1.5 client's `has_tail_repetition`).
 */
export function hasTailRepetition(text: string, minRepeats = 8, maxUnit = 256): boolean {
  const n = text.length;
  if (n < minRepeats * 2) return false;
  const upper = Math.min(maxUnit, Math.floor(n / minRepeats));
  for (let unit = 1; unit <= upper; unit++) {
    if (text.charCodeAt(n - 1) !== text.charCodeAt(n - 1 - unit)) continue;
    const candidate = text.slice(n - unit);
    if (candidate.trim() === "") continue;
    let copies = 1;
    while (copies < minRepeats && text.startsWith(candidate, n - unit * (copies + 1))) copies++;
    if (copies >= minRepeats) return true;
  }
  return false;
}

export interface LoopDetectorOptions {
  /** First check once this many characters have streamed (default 4,000). */
  startAfter?: number;
  /** Then check again after every this many more characters (default 1,000). */
  checkEvery?: number;
  /** Characters of the tail examined per check (default 8,000). */
  window?: number;
  maxUnit?: number;
  minRepeats?: number;
}

export interface LoopDetector {
  /** Adds streamed text; returns true when the stream is looping and the upstream should be aborted now. */
  push(delta: string): boolean;
  readonly looped: boolean;
  /** Characters pushed so far. */
  readonly length: number;
}

/**
 * The 1.5 client's streaming early stop: after 4,000 characters and then every +1,000, checks whether the
 * last 8,000 characters end in a 1–256 character unit repeated at least 8 times. Keeps only the tail
 * window, joined lazily at check time, so a 16k-token stream costs O(length) overall.
 */
export function createLoopDetector(options: LoopDetectorOptions = {}): LoopDetector {
  const { startAfter = 4000, checkEvery = 1000, window = 8000, maxUnit = 256, minRepeats = 8 } = options;
  let tail = "";
  let pending: string[] = [];
  let length = 0;
  let nextCheckAt = startAfter;
  let looped = false;
  return {
    push(delta: string): boolean {
      if (looped || delta === "") return looped;
      pending.push(delta);
      length += delta.length;
      if (length < nextCheckAt) return false;
      nextCheckAt = length + checkEvery;
      tail = (tail + pending.join("")).slice(-window);
      pending = [];
      looped = hasTailRepetition(tail, minRepeats, maxUnit);
      return looped;
    },
    get looped() {
      return looped;
    },
    get length() {
      return length;
    },
  };
}
