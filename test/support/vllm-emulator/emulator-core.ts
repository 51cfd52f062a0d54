import { Scheduler } from "./capacity.ts";
import { createDefaultAnswerer } from "./default-answer.ts";
import { EngineMetrics } from "./metrics.ts";
import type { SequenceRun } from "./sequence-run.ts";
import type { ChatRequestBody, EmulatorOptions, RecordedRequest, ScriptedAnswer } from "./types.ts";
import { featuresOf, type VersionFeatures } from "./version.ts";

export type ResolvedOptions = Required<Omit<EmulatorOptions, "apiKey" | "errorShape">> & { apiKey?: string };

/** The mutable state of one emulator, shared by its routes. */
export interface EmulatorCore {
  readonly options: ResolvedOptions;
  readonly features: VersionFeatures;
  readonly scheduler: Scheduler;
  metrics: EngineMetrics;
  scripts: ScriptedAnswer[];
  defaultAnswer: (request: ChatRequestBody) => ScriptedAnswer;
  healthy: boolean;
  /** Engine request ids in flight (`chatcmpl-…`), for vLLM's duplicate-id error. */
  readonly runningIds: Set<string>;
  readonly runs: Set<SequenceRun>;
  /** Timers of delayed scripted HTTP errors, cleared on close. */
  readonly pendingTimers: Set<NodeJS.Timeout>;
  requests: RecordedRequest[];
  chatRequests: RecordedRequest[];
  abortedRequests: number;
  completedRequests: number;
  /** Prompt plus generated tokens of running sequences (for the KV-cache gauge). */
  kvTokens: number;
  /** Called after each client abort. */
  onAbort: () => void;
  /** Set once the engine died: every later chat request is an empty 500 and the listener soon closes. */
  engineDead: boolean;
  /** Kills the engine (see `VllmEmulator.killEngine`); set by the emulator. */
  killEngine: () => void;
}

/** Fills in vLLM's defaults and builds a fresh core. */
export function createCore(options: EmulatorOptions): EmulatorCore {
  const resolved: ResolvedOptions = {
    servedModelNames: options.servedModelNames ?? ["tencent/HunyuanOCR"],
    modelPath: options.modelPath ?? "tencent/HunyuanOCR",
    maxModelLen: options.maxModelLen ?? 20480,
    limitImagesPerPrompt: options.limitImagesPerPrompt ?? 1,
    version: options.version ?? "0.12.0",
    maxNumSeqs: options.maxNumSeqs ?? 256,
    tokensPerSecond: options.tokensPerSecond ?? Number.POSITIVE_INFINITY,
    prefillMsPerImage: options.prefillMsPerImage ?? 0,
    structuredOutputsBackend: options.structuredOutputsBackend ?? "auto",
    recordLimit: options.recordLimit ?? 1000,
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
  };
  if (resolved.servedModelNames.length === 0)
    throw new Error("servedModelNames must name at least one model");
  const features = featuresOf(resolved.version, options.errorShape);
  return {
    options: resolved,
    features,
    scheduler: new Scheduler(resolved.maxNumSeqs),
    metrics: newMetrics(resolved, features),
    scripts: [],
    defaultAnswer: createDefaultAnswerer(features),
    healthy: true,
    runningIds: new Set(),
    runs: new Set(),
    pendingTimers: new Set(),
    requests: [],
    chatRequests: [],
    abortedRequests: 0,
    completedRequests: 0,
    kvTokens: 0,
    onAbort: () => {},
    engineDead: false,
    killEngine: () => {},
  };
}

/** Fresh counters and histograms. */
export function newMetrics(options: ResolvedOptions, features: VersionFeatures): EngineMetrics {
  const labels = `model_name="${options.servedModelNames[0]}",engine="0"`;
  return new EngineMetrics(labels, features.newMetricNames, options.maxModelLen);
}

/** Appends to a bounded record list, dropping the oldest entry past the limit. */
export function record(list: RecordedRequest[], entry: RecordedRequest, limit: number): void {
  list.push(entry);
  if (list.length > limit) list.splice(0, list.length - limit);
}
