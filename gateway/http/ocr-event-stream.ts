import { ClientAbortedError, type GatewayError, toErrorEnvelope, toGatewayError } from "../errors.ts";
import type { OcrEvent } from "../ocr/ocr-types.ts";

const encoder = new TextEncoder();

function frame(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Runs `work` and streams its events as Server-Sent Events (`page.start`, `delta`, `page.retry` when a page
 * is read again, `page.done`, then `done` with the whole result). A failure ends the stream with an `error` event in the error envelope shape.
 * Cancelling the stream (client gone) aborts `work` through the given controller.
 */
export function ocrEventStream(
  work: (emit: (event: OcrEvent) => void) => Promise<unknown>,
  abort: AbortController,
  onError: (error: GatewayError) => void,
): ReadableStream<Uint8Array> {
  let closed = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const emit = (event: OcrEvent) => {
        if (!closed) controller.enqueue(frame(event.event, event.data));
      };
      work(emit)
        .then((result) => emit({ event: "done", data: result }))
        .catch((error: unknown) => {
          // Cancelled by the client: the abort is the expected way out, not a failure to report.
          if (closed) return;
          const failure = toGatewayError(error);
          onError(failure);
          controller.enqueue(frame("error", toErrorEnvelope(failure)));
        })
        .finally(() => {
          if (closed) return;
          closed = true;
          controller.close();
        });
    },
    cancel() {
      closed = true;
      abort.abort(new ClientAbortedError());
    },
  });
}
