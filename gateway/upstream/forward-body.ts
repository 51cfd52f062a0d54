import type { RequestDeadlines } from "./upstream-timeouts.ts";

/**
 * Streams a non-SSE upstream body to the client without buffering it whole. Deadlines are released when the
 * body ends; cancelling (client gone) aborts the upstream request.
 */
export function forwardBody(
  body: AsyncIterable<Uint8Array> & { destroy(error?: Error): void },
  deadlines: RequestDeadlines,
): ReadableStream<Uint8Array> {
  const iterator = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await iterator.next();
          if (next.done) {
            deadlines.dispose();
            controller.close();
            return;
          }
          deadlines.progress();
          controller.enqueue(next.value);
        } catch (error) {
          deadlines.dispose();
          controller.error(error);
        }
      },
      cancel() {
        deadlines.abort(new Error("client disconnected"));
        body.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
