import type { ServerResponse } from "node:http";
import type { SchedulerTicket } from "./capacity.ts";
import type { EmulatorCore } from "./emulator-core.ts";
import { errorBody, streamErrorData, VllmError } from "./errors.ts";
import { sendJson } from "./http-io.ts";
import { SequenceRun, type SequenceSettings } from "./sequence-run.ts";

/** What a chat request brings to the scheduler; the core adds the rest of a sequence's settings. */
export type AdmissionRequest = Pick<
  SequenceSettings,
  "res" | "shape" | "plan" | "stream" | "includeUsage" | "continuousUsage" | "promptTokens" | "arrivedAt"
>;

/** vLLM's `include_usage`: only when streaming with stream_options, whose include_usage defaults to true. */
export function includeUsageOf(stream: boolean, streamOptions: unknown): boolean {
  if (!stream || typeof streamOptions !== "object" || streamOptions === null) return false;
  const includeUsage = (streamOptions as { include_usage?: unknown }).include_usage;
  return includeUsage === undefined || includeUsage === true;
}

/** Writes the streaming headers: vLLM sends them before the request is even scheduled. */
export function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  res.flushHeaders();
}

/**
 * Hands a validated request to the engine: the duplicate-id check, the scheduler queue, the sequence run,
 * and the client-disconnect path (abort, counted once).
 */
export function admit(core: EmulatorCore, request: AdmissionRequest): void {
  const { res, shape, stream } = request;
  const engineId = shape.id;
  if (stream) startEventStream(res);
  // From 0.14 the engine makes every id unique itself, so duplicates are accepted.
  const checksIds = !core.features.uniqueEngineRequestIds;
  if (checksIds && core.runningIds.has(engineId)) {
    // Raised when the engine registers the request, so a stream has already sent its 200 headers.
    const error = new VllmError(`Request id ${engineId} already running.`);
    if (stream) res.end(`data: ${streamErrorData(error, core.features.nestedErrors)}\n\ndata: [DONE]\n\n`);
    else sendJson(res, 400, errorBody(error, core.features.nestedErrors));
    return;
  }
  if (checksIds) core.runningIds.add(engineId);
  const kvTokens = request.promptTokens + request.plan.completionTokens;
  let started = false;
  const ticket: SchedulerTicket = {
    state: "waiting",
    start: () => {
      started = true;
      core.kvTokens += kvTokens;
      run.start();
    },
  };
  const run = new SequenceRun({
    ...request,
    nestedErrors: core.features.nestedErrors,
    metrics: core.metrics,
    onEnd: (outcome) => {
      core.scheduler.release(ticket);
      if (checksIds) core.runningIds.delete(engineId);
      core.runs.delete(run);
      if (started) core.kvTokens -= kvTokens;
      if (outcome === "abort") {
        core.abortedRequests++;
        core.onAbort();
      } else if (outcome === "stop" || outcome === "length") {
        core.completedRequests++;
      }
    },
  });
  core.runs.add(run);
  core.scheduler.enqueue(ticket);
  res.on("close", () => {
    if (!run.isEnded) run.abort();
  });
  // The client may have gone while the request was being validated (images are decoded asynchronously).
  if (res.socket === null || res.socket.destroyed) run.abort();
}
