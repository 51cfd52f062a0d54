import { BadGatewayError, ClientAbortedError, type GatewayError, toErrorEnvelope } from "../errors.ts";
import { endsWithDone, SseEventSplitter } from "./sse-event-splitter.ts";
import type { RequestDeadlines } from "./upstream-timeouts.ts";
import { toUpstreamFailure } from "./vllm-client.ts";

export type StreamOutcome = "done" | "upstream_failed" | "client_aborted";

export interface ForwardSseOptions {
  deadlines: RequestDeadlines;
  /** Called once with how the stream ended (for metrics and logs). */
  onEnd?: (outcome: StreamOutcome, error?: GatewayError) => void;
  /** Called with the time of the first chunk (time to first token). */
  onFirstChunk?: () => void;
  /**
   * Sees every run of whole events before it is forwarded and may rewrite it (e.g. read and drop a usage
   * chunk the client did not ask for); returns what to forward. Must be cheap.
   */
  transform?: (events: Uint8Array) => Uint8Array;
}

const encoder = new TextEncoder();

/** The SSE tail sent when a stream fails midway: an OpenAI-shaped error event, then `[DONE]`. */
export function sseErrorTail(error: GatewayError): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(toErrorEnvelope(error))}\n\ndata: [DONE]\n\n`);
}

/** A failure after the stream started: timeouts keep their code; a dropped connection is a 502. */
export function midStreamFailure(error: unknown, signal: AbortSignal): GatewayError {
  const failure = toUpstreamFailure(error, signal);
  if (failure.status !== 503) return failure;
  return new BadGatewayError(
    "upstream_stream_interrupted",
    "The model server closed the stream before it finished.",
    {
      cause: error,
    },
  );
}

/**
 * Passes an upstream SSE body to the client event by event as it arrives (no re-buffering beyond one
 * partial event). If the upstream dies or stalls before `[DONE]`, the client gets an error event and `[DONE]`
 * instead of a clean-looking truncated answer. Cancelling the returned stream (client gone) aborts upstream.
 */
export function forwardSse(
  body: AsyncIterable<Uint8Array> & { destroy(error?: Error): void },
  options: ForwardSseOptions,
): ReadableStream<Uint8Array> {
  const splitter = new SseEventSplitter();
  const iterator = body[Symbol.asyncIterator]();
  let sawDone = false;
  let sawFirstChunk = false;
  let ended = false;
  const end = (outcome: StreamOutcome, error?: GatewayError) => {
    if (ended) return;
    ended = true;
    options.deadlines.dispose();
    options.onEnd?.(outcome, error);
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const next = await iterator.next();
            if (next.done) {
              if (sawDone) {
                end("done");
                controller.close();
                return;
              }
              throw Object.assign(new Error("upstream closed the stream before [DONE]"), {
                code: "UND_ERR_SOCKET",
              });
            }
            if (!sawFirstChunk) {
              sawFirstChunk = true;
              options.onFirstChunk?.();
            }
            options.deadlines.progress();
            const received = splitter.push(next.value);
            if (received === null) continue;
            if (endsWithDone(received)) sawDone = true;
            const events = options.transform ? options.transform(received) : received;
            if (events.length === 0) continue;
            controller.enqueue(events);
            return;
          }
        } catch (error) {
          if (options.deadlines.abortedByClient) {
            end("client_aborted");
            controller.close();
            return;
          }
          const failure = midStreamFailure(error, options.deadlines.signal);
          body.destroy();
          end("upstream_failed", failure);
          controller.enqueue(sseErrorTail(failure));
          controller.close();
        }
      },
      cancel() {
        options.deadlines.abort(new ClientAbortedError());
        body.destroy();
        end("client_aborted");
      },
    },
    { highWaterMark: 0 },
  );
}
