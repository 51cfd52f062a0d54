import type { UpstreamObserver } from "./upstream-observer.ts";
import { usageOf } from "./upstream-observer.ts";

const USAGE = Buffer.from('"usage"');
const encoder = new TextEncoder();

/**
 * An SSE transform that reports token usage from vLLM's usage chunks and, when the gateway asked for usage
 * on the client's behalf (`strip`), removes the usage-only chunk the client did not request. Events without
 * `"usage"` pass through untouched, byte for byte.
 */
export function usageTap(observer: UpstreamObserver, strip: boolean): (events: Uint8Array) => Uint8Array {
  return (events) => {
    if (Buffer.from(events.buffer, events.byteOffset, events.byteLength).indexOf(USAGE) === -1) return events;
    const blocks = Buffer.from(events.buffer, events.byteOffset, events.byteLength)
      .toString("utf8")
      .split("\n\n");
    let changed = false;
    const kept = blocks.filter((block) => {
      if (!block.startsWith("data: ")) return block !== "";
      const usage = usageOf(block.slice(6));
      if (!usage) return true;
      observer.usage(usage.prompt, usage.completion);
      if (strip && usage.usageOnly) {
        changed = true;
        return false;
      }
      return true;
    });
    if (!changed) return events;
    return kept.length === 0 ? new Uint8Array(0) : encoder.encode(`${kept.join("\n\n")}\n\n`);
  };
}
