import { ClientAbortedError, GatewayTimeoutError } from "../errors.ts";

export type TimeoutPhase = "connect" | "first_token" | "idle" | "total";

/** Raised (as an abort reason) when one of the upstream deadlines passes. */
export class UpstreamTimeout extends GatewayTimeoutError {
  constructor(
    readonly phase: TimeoutPhase,
    ms: number,
  ) {
    super(
      `upstream_${phase}_timeout`,
      `The model server did not answer in time (${phase} timeout of ${ms} ms).`,
    );
  }
}

export interface DeadlineSettings {
  firstTokenMs: number;
  idleMs: number;
  totalMs: number;
}

/**
 * One abort path for an upstream call: the client's disconnect, the total deadline, the time to the first
 * byte and the idle gap between chunks all abort the same signal, with a reason saying which fired.
 * Call `dispose()` in `finally`.
 */
export class RequestDeadlines {
  readonly #controller = new AbortController();
  readonly #total: NodeJS.Timeout;
  #progress: NodeJS.Timeout;
  #sawFirstByte = false;
  readonly #onClientAbort: () => void;

  constructor(
    readonly settings: DeadlineSettings,
    private readonly clientSignal?: AbortSignal,
  ) {
    this.#total = setTimeout(
      () => this.abort(new UpstreamTimeout("total", settings.totalMs)),
      settings.totalMs,
    );
    this.#progress = setTimeout(
      () => this.abort(new UpstreamTimeout("first_token", settings.firstTokenMs)),
      settings.firstTokenMs,
    );
    this.#onClientAbort = () => this.abort(clientSignal?.reason ?? new ClientAbortedError());
    if (clientSignal?.aborted) this.#onClientAbort();
    clientSignal?.addEventListener("abort", this.#onClientAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True when the abort came from the client going away rather than from a deadline. */
  get abortedByClient(): boolean {
    return this.clientSignal?.aborted === true;
  }

  /** Call on every chunk received: the first switches from the first-token deadline to the idle one. */
  progress(): void {
    if (this.#sawFirstByte) {
      this.#progress.refresh();
      return;
    }
    this.#sawFirstByte = true;
    clearTimeout(this.#progress);
    this.#progress = setTimeout(
      () => this.abort(new UpstreamTimeout("idle", this.settings.idleMs)),
      this.settings.idleMs,
    );
  }

  abort(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
    this.dispose();
  }

  dispose(): void {
    clearTimeout(this.#total);
    clearTimeout(this.#progress);
    this.clientSignal?.removeEventListener("abort", this.#onClientAbort);
  }
}
