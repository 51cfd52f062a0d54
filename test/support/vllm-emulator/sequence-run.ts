import type { ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { errorBody, streamErrorData, type VllmError } from "./errors.ts";
import type { GenerationPlan } from "./generation-plan.ts";
import { sendJson } from "./http-io.ts";
import type { EngineMetrics } from "./metrics.ts";
import { type ResponseShape, type Usage, usageOf } from "./response-shapes.ts";

/** How a sequence ended: a finish reason, the client going away, an injected fault, or the server closing. */
export type SequenceOutcome = "stop" | "length" | "abort" | "error" | "dropped" | "closed" | "engine_dead";

export interface SequenceSettings {
  res: ServerResponse;
  shape: ResponseShape;
  plan: GenerationPlan;
  stream: boolean;
  includeUsage: boolean;
  continuousUsage: boolean;
  promptTokens: number;
  nestedErrors: boolean;
  metrics: EngineMetrics;
  /** performance.now() when the request arrived. */
  arrivedAt: number;
  /** Called exactly once. */
  onEnd: (outcome: SequenceOutcome) => void;
}

/**
 * One sequence from admission to its last byte. Steps run back to back while delays are 0 (cheap enough for
 * benchmarks); otherwise one timer at a time, cleared on abort or close.
 */
export class SequenceRun {
  private timer: NodeJS.Timeout | undefined;
  private begun = false;
  private sent = 0;
  private ended = false;
  private lastTokenAt = 0;
  private generatedTokens = 0;
  private pendingEvents = "";

  constructor(private readonly settings: SequenceSettings) {}

  get isEnded(): boolean {
    return this.ended;
  }

  /** The scheduler admitted the sequence: prefill, then decode. */
  start(): void {
    const { metrics, arrivedAt, plan } = this.settings;
    metrics.queueTime.observe((performance.now() - arrivedAt) / 1000);
    if (plan.hang) return;
    this.schedule(plan.firstTokenDelayMs);
  }

  /** The client disconnected. */
  abort(): void {
    if (this.ended) return;
    this.settle("abort");
  }

  /**
   * The engine died: vLLM fails every request it holds, running or waiting. A stream (200 already sent) gets
   * an error event then `[DONE]`; a non-streaming request gets the exception handler's empty-body 500.
   */
  failEngineDead(error: VllmError): void {
    if (this.ended) return;
    const { res, stream, nestedErrors } = this.settings;
    this.clearTimer();
    if (stream) {
      this.writeEvent(streamErrorData(error, nestedErrors));
      this.writeEvent("[DONE]");
      this.flushEvents();
      if (!res.destroyed) res.end();
    } else if (!res.headersSent && !res.destroyed) {
      res.writeHead(500, { "content-length": 0 });
      res.end();
    }
    this.ended = true;
    this.settings.onEnd("engine_dead");
  }

  /** The server is closing: stop without answering. */
  close(): void {
    if (this.ended) return;
    this.clearTimer();
    this.ended = true;
    this.settings.onEnd("closed");
  }

  private schedule(delayMs: number): void {
    if (delayMs > 0) this.timer = setTimeout(this.pump, delayMs);
    else this.pump();
  }

  private readonly pump = (): void => {
    this.timer = undefined;
    while (!this.ended) {
      const delay = this.step();
      if (delay === null) break;
      if (delay > 0) {
        this.timer = setTimeout(this.pump, delay);
        break;
      }
    }
    this.flushEvents();
  };

  /** Does one step; returns the delay before the next one, or null when the sequence is over. */
  private step(): number | null {
    const { plan, metrics, shape, stream } = this.settings;
    const now = performance.now();
    if (!this.begun) {
      this.begun = true;
      metrics.timeToFirstToken.observe((now - this.settings.arrivedAt) / 1000);
      metrics.promptTokens += this.settings.promptTokens;
      this.lastTokenAt = now;
      if (stream) for (const chunk of shape.openingChunks(this.continuousUsage(0))) this.writeEvent(chunk);
      return 0;
    }
    const finalIndex =
      plan.finishReason === "length" ? Math.max(0, plan.tokens.length - 1) : plan.tokens.length;
    const index = this.sent;
    if (plan.dropAfterTokens !== undefined && Math.min(plan.dropAfterTokens, finalIndex) === index) {
      this.drop();
      return null;
    }
    if (
      plan.midStreamError !== undefined &&
      Math.min(plan.midStreamError.afterTokens, finalIndex) === index
    ) {
      this.fail(plan.midStreamError.error);
      return null;
    }
    if (index > 0) metrics.interTokenLatency.observe((now - this.lastTokenAt) / 1000);
    this.lastTokenAt = now;
    if (index < finalIndex) {
      this.sent++;
      this.countGenerated(1);
      if (stream)
        this.writeEvent(
          shape.contentChunk(
            plan.tokens[index] as string,
            this.continuousUsage(this.sent),
            plan.logprobs?.[index],
          ),
        );
      return plan.tokenDelayMs;
    }
    this.finish();
    return null;
  }

  private finish(): void {
    const { plan, shape, stream, res, promptTokens } = this.settings;
    this.countGenerated(plan.completionTokens - this.generatedTokens);
    const usage = usageOf(promptTokens, plan.completionTokens);
    if (stream) {
      const lastText = plan.finishReason === "length" ? (plan.tokens[this.sent] ?? "") : "";
      const continuous = this.settings.continuousUsage ? usage : undefined;
      this.writeEvent(
        shape.finalChunk(
          lastText,
          plan.finishReason,
          plan.stopReason,
          continuous,
          plan.logprobs?.[this.sent],
        ),
      );
      if (this.settings.includeUsage) this.writeEvent(shape.usageChunk(usage));
      this.writeEvent("[DONE]");
      this.flushEvents();
      res.end();
    } else {
      sendJson(
        res,
        200,
        shape.fullResponse(plan.tokens, plan.finishReason, plan.stopReason, usage, plan.logprobs),
      );
    }
    this.settle(plan.finishReason);
  }

  private fail(error: VllmError): void {
    const { res, stream, nestedErrors } = this.settings;
    if (stream) {
      this.writeEvent(streamErrorData(error, nestedErrors));
      this.writeEvent("[DONE]");
      this.flushEvents();
      res.end();
    } else {
      sendJson(res, error.status, errorBody(error, nestedErrors));
    }
    this.settle("error");
  }

  private drop(): void {
    const { res, stream, shape, plan, promptTokens } = this.settings;
    this.flushEvents();
    if (!stream && this.sent > 0) {
      const usage = usageOf(promptTokens, plan.completionTokens);
      const body = JSON.stringify(shape.fullResponse(plan.tokens, plan.finishReason, null, usage));
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.write(body.slice(0, Math.floor(body.length / 2)));
    }
    this.settle("dropped");
    const socket = res.socket;
    // Let the bytes already written leave before the connection dies.
    setImmediate(() => socket?.destroy());
  }

  private settle(outcome: SequenceOutcome): void {
    const { metrics, arrivedAt, promptTokens } = this.settings;
    this.clearTimer();
    this.ended = true;
    // Client aborts are not counted in `vllm:request_success_total` (nor in the latency histograms).
    if (outcome === "stop" || outcome === "length" || outcome === "error") {
      metrics.finished[outcome]++;
      metrics.e2eLatency.observe((performance.now() - arrivedAt) / 1000);
      metrics.requestPromptTokens.observe(promptTokens);
      metrics.requestGenerationTokens.observe(this.generatedTokens);
    }
    this.settings.onEnd(outcome);
  }

  private countGenerated(count: number): void {
    this.generatedTokens += count;
    this.settings.metrics.generationTokens += count;
  }

  private continuousUsage(completionTokens: number): Usage | undefined {
    if (!this.settings.continuousUsage) return undefined;
    return usageOf(this.settings.promptTokens, completionTokens);
  }

  /** Events of back-to-back steps are buffered and written at once (one syscall instead of hundreds). */
  private writeEvent(json: string): void {
    this.pendingEvents += `data: ${json}\n\n`;
  }

  private flushEvents(): void {
    if (this.pendingEvents === "") return;
    const { res } = this.settings;
    if (!res.destroyed) res.write(this.pendingEvents);
    this.pendingEvents = "";
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
