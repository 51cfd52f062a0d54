import type { JobStore, StoredEvent } from "./store/job-store.ts";

const encoder = new TextEncoder();
/** The events that end a job's stream. */
const FINAL_EVENTS = new Set(["done", "error"]);
const KEEP_ALIVE_MS = 15_000;

export interface EventReplayOptions {
  store: () => JobStore;
  jobId: string;
  /** Replay events after this sequence number (the client's `Last-Event-ID`; 0 = from the start). */
  afterSeq: number;
  /** How often to look for new events while the job runs (events may come from another replica). */
  pollMs: number;
}

function frame(event: StoredEvent): Uint8Array {
  return encoder.encode(`id: ${event.seq}\nevent: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A job's events as Server-Sent Events, each with its sequence number as `id:` so a client reconnecting with
 * `Last-Event-ID` resumes after the last event it saw. Stored events are replayed, then new ones followed
 * until `done` or `error`. While the store is unreachable the stream stays open (keep-alive comments) and
 * resumes when it is back. A job deleted meanwhile ends the stream.
 */
export function replayJobEvents(options: EventReplayOptions): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      let seq = options.afterSeq;
      let lastWrite = Date.now();
      while (!cancelled) {
        let events: StoredEvent[] = [];
        try {
          events = await options.store().eventsAfter(options.jobId, seq);
          if (events.length === 0 && !(await options.store().getJob(options.jobId))) break;
        } catch {
          // The store is down: try again at the next poll.
        }
        for (const event of events) {
          if (cancelled) return;
          controller.enqueue(frame(event));
          seq = event.seq;
          lastWrite = Date.now();
          if (FINAL_EVENTS.has(event.event)) {
            controller.close();
            return;
          }
        }
        if (events.length > 0) continue;
        if (Date.now() - lastWrite >= KEEP_ALIVE_MS) {
          controller.enqueue(encoder.encode(": keep-alive\n\n"));
          lastWrite = Date.now();
        }
        await sleep(options.pollMs);
      }
      if (!cancelled) controller.close();
    },
    cancel() {
      cancelled = true;
    },
  });
}
