import type { AddressInfo, Server, Socket } from "node:net";
import { createDefaultAnswerer } from "./default-answer.ts";
import { createCore, type EmulatorCore, newMetrics } from "./emulator-core.ts";
import { failEverything } from "./engine-death.ts";
import { createEmulatorServer } from "./server.ts";
import type { ChatRequestBody, EmulatorOptions, RecordedRequest, ScriptedAnswer } from "./types.ts";

/**
 * A loopback HTTP server that behaves like vLLM's OpenAI server (0.10–0.13) serving tencent/HunyuanOCR:
 * same routes, validation, status codes, error bodies, SSE framing, scheduler queue and metrics.
 */
export class VllmEmulator {
  readonly url: string;
  readonly port: number;
  private abortsAwaited = 0;
  private abortWaiters: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;
  private shutdownTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly core: EmulatorCore,
    private readonly server: Server,
  ) {
    const address = server.address() as AddressInfo;
    this.port = address.port;
    const host = core.options.host.includes(":") ? `[${core.options.host}]` : core.options.host;
    this.url = `http://${host}:${this.port}`;
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    core.killEngine = () => this.killEngine();
    core.onAbort = () => {
      const waiters = this.abortWaiters;
      this.abortWaiters = [];
      for (const wake of waiters) wake();
    };
  }

  /** Starts listening (default 127.0.0.1 on a free port). */
  static async start(options: EmulatorOptions = {}): Promise<VllmEmulator> {
    const core = createCore(options);
    const server = createEmulatorServer(core);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(core.options.port, core.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    return new VllmEmulator(core, server);
  }

  /** Every request received, oldest first (bounded by `recordLimit`). */
  get requests(): RecordedRequest[] {
    return this.core.requests;
  }

  /** Only POST /v1/chat/completions. */
  get chatRequests(): RecordedRequest[] {
    return this.core.chatRequests;
  }

  get abortedRequests(): number {
    return this.core.abortedRequests;
  }

  get completedRequests(): number {
    return this.core.completedRequests;
  }

  get runningRequests(): number {
    return this.core.scheduler.running;
  }

  get waitingRequests(): number {
    return this.core.scheduler.waiting;
  }

  /** Queues answers for the next valid chat requests, in order; then the default answerer takes over. */
  script(...answers: ScriptedAnswer[]): void {
    this.core.scripts.push(...answers);
  }

  /** Replaces the default answerer (its text is sent as is, even for constrained requests). */
  setDefaultAnswer(fn: (request: ChatRequestBody) => ScriptedAnswer): void {
    this.core.defaultAnswer = fn;
  }

  /** false: /health answers 503 and new chat requests get an empty-body 500, like a dead engine. */
  setHealthy(healthy: boolean): void {
    this.core.healthy = healthy;
  }

  /**
   * Kills the engine as a crash in vLLM's engine core does: every request in flight fails (streams: an error
   * event then `[DONE]`; others: an empty 500), `/health` answers 503, new chat requests get an empty 500,
   * and after `listenerCloseMs` (vLLM's watchdog checks every 5 s) the server stops listening and drops
   * every connection. Requests with a poison schema call this too (see `structured-output.ts`).
   */
  killEngine({ listenerCloseMs = 1000 }: { listenerCloseMs?: number } = {}): void {
    if (this.core.engineDead) return;
    failEverything(this.core);
    this.shutdownTimer = setTimeout(() => void this.close(), listenerCloseMs);
  }

  /** True once the engine died (see `killEngine`). */
  get engineDead(): boolean {
    return this.core.engineDead;
  }

  /**
   * Resolves once per client abort: the n-th call (since the last reset) resolves when at least n aborts have
   * been counted, so it works whether the abort lands before or after the call. Rejects after `timeoutMs`.
   */
  waitForAbort(timeoutMs = 2000): Promise<void> {
    const target = ++this.abortsAwaited;
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (this.core.abortedRequests >= target) {
          clearTimeout(timer);
          resolve();
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        reject(new Error(`vLLM emulator: no client abort within ${timeoutMs} ms`));
      }, timeoutMs);
      if (check()) return;
      const wait = () => {
        if (!check()) this.abortWaiters.push(wait);
      };
      this.abortWaiters.push(wait);
    });
  }

  /** Clears recorded requests, scripts, counters and metrics; restores health and the default answerer. */
  reset(): void {
    const core = this.core;
    core.requests = [];
    core.chatRequests = [];
    core.scripts = [];
    core.abortedRequests = 0;
    core.completedRequests = 0;
    core.healthy = true;
    core.defaultAnswer = createDefaultAnswerer(core.features);
    core.metrics = newMetrics(core.options, core.features);
    this.abortsAwaited = 0;
  }

  /** Closes the server and every open socket at once; running sequences stop without answering. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    clearTimeout(this.shutdownTimer);
    const core = this.core;
    // Clear the queue first so that stopping a running sequence does not admit a waiting one.
    core.scheduler.clear();
    for (const run of [...core.runs]) run.close();
    for (const timer of core.pendingTimers) clearTimeout(timer);
    core.pendingTimers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
