import { describe, expect, it } from "vitest";
import { InFlightCalls } from "../../gateway/mcp/in-flight-calls.ts";

describe("InFlightCalls", () => {
  it("aborts the one call of that caller with that id, not another caller's", () => {
    const calls = new InFlightCalls();
    const mine = calls.track("api_key:a", 3);
    const theirs = calls.track("api_key:b", 3);
    expect(calls.cancel("api_key:a", 3, "timeout")).toBe(true);
    expect(mine.signal.aborted).toBe(true);
    expect(theirs.signal.aborted).toBe(false);
  });

  it("keeps string and number ids apart", () => {
    const calls = new InFlightCalls();
    const numeric = calls.track("anonymous:anonymous", 1);
    expect(calls.cancel("anonymous:anonymous", "1", "")).toBe(false);
    expect(numeric.signal.aborted).toBe(false);
  });

  it("aborts neither of two calls sharing an id (two clients behind one key), and forgets released calls", () => {
    const calls = new InFlightCalls();
    const first = calls.track("api_key:a", 0);
    const second = calls.track("api_key:a", 0);
    expect(calls.cancel("api_key:a", 0, "")).toBe(false);
    expect(first.signal.aborted || second.signal.aborted).toBe(false);
    first.release();
    expect(calls.cancel("api_key:a", 0, "")).toBe(true);
    expect(second.signal.aborted).toBe(true);
    second.release();
    expect(calls.size).toBe(0);
  });
});
