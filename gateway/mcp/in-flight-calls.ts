/** A JSON-RPC request id, as MCP clients send it. */
export type JsonRpcId = string | number;

export interface TrackedCall {
  /** Aborted when the client cancels this call. */
  signal: AbortSignal;
  /** Forget the call (it finished). */
  release(): void;
}

/**
 * Tool calls in flight on the stateless HTTP endpoint, so that a client's `notifications/cancelled` (which
 * arrives in a later POST, handled by another server instance) can abort the call it names. Calls are keyed
 * by the caller's identity and the JSON-RPC id; ids are only unique per client connection, so when two calls
 * of one identity share an id the cancellation is ambiguous and aborts neither.
 */
export class InFlightCalls {
  readonly #calls = new Map<string, Set<AbortController>>();

  #key(owner: string, id: JsonRpcId): string {
    return `${owner}\u0000${typeof id}:${id}`;
  }

  /** Registers a call of `owner` with JSON-RPC id `id`. */
  track(owner: string, id: JsonRpcId): TrackedCall {
    const key = this.#key(owner, id);
    const controller = new AbortController();
    let calls = this.#calls.get(key);
    if (calls === undefined) {
      calls = new Set();
      this.#calls.set(key, calls);
    }
    calls.add(controller);
    return {
      signal: controller.signal,
      release: () => {
        const current = this.#calls.get(key);
        current?.delete(controller);
        if (current?.size === 0) this.#calls.delete(key);
      },
    };
  }

  /** Aborts the one call of `owner` with id `id`; false when there is none, or more than one. */
  cancel(owner: string, id: JsonRpcId, reason: string): boolean {
    const calls = this.#calls.get(this.#key(owner, id));
    if (calls?.size !== 1) return false;
    for (const controller of calls) controller.abort(new Error(`cancelled by the client: ${reason}`));
    return true;
  }

  /** Number of calls in flight (for tests and metrics). */
  get size(): number {
    let total = 0;
    for (const calls of this.#calls.values()) total += calls.size;
    return total;
  }
}
