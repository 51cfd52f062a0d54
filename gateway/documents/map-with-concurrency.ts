/**
 * Runs `fn` over `items` with at most `limit` calls in flight and returns the results in input order.
 *
 * On the first failure (or when `signal` aborts) no further items start, and the signal passed to `fn` is
 * aborted so running calls can stop early. The returned promise settles only after every started call has
 * settled, so resources the calls use (e.g. an open PDF) can be released right after it. It rejects with
 * `signal.reason` if the caller aborted, otherwise with the first error.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number, signal: AbortSignal) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a whole number ≥ 1, got ${limit}`);
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) forwardAbort();
  signal?.addEventListener("abort", forwardAbort, { once: true });

  const results = new Array<R>(items.length);
  let nextIndex = 0;
  let failure: { error: unknown } | undefined;
  const runWorker = async () => {
    while (nextIndex < items.length && !controller.signal.aborted) {
      const index = nextIndex++;
      try {
        results[index] = await fn(items[index] as T, index, controller.signal);
      } catch (error) {
        failure ??= { error };
        controller.abort(error);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runWorker));
  } finally {
    signal?.removeEventListener("abort", forwardAbort);
  }
  if (signal?.aborted) throw signal.reason;
  if (failure) throw failure.error;
  return results;
}
