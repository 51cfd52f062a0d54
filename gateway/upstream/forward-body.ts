import { ClientAbortedError } from "../errors.ts";
import type { RequestDeadlines } from "./upstream-timeouts.ts";

/**
 * Streams a non-SSE upstream body to the client without buffering it whole. Deadlines are released when the
 * body ends; cancelling (client gone) aborts the upstream request.
 */
export function forwardBody(
  body: AsyncIterable<Uint8Array> & { destroy(error?: Error): void },
  deadlines: RequestDeadlines,
  /** Receives the whole body once it has been forwarded (for reading usage; bodies here are small JSON). */
  onComplete?: (body: Buffer) => void,
  onError?: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done) {
            deadlines.dispose();
            controller.close();
            onComplete?.(Buffer.concat(seen));
            return;
          }
          deadlines.progress();
          if (onComplete) seen.push(next.value);
          controller.enqueue(next.value);
        } catch (error) {
          deadlines.dispose();
          onError?.(error);
          controller.error(error);
        }
      },
      cancel() {
        deadlines.abort(new ClientAbortedError());
        body.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
