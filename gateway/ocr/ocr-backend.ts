import type { ImageLimits } from "../images/image-limits.ts";
import type { VersionRoute } from "../release/model-version.ts";
import type { TaskDefinition } from "../tasks/index.ts";
import type { PageResult, PreparedPage } from "./ocr-types.ts";

/** What the caller asked of a task, already validated. */
export interface TaskOptions {
  language?: string | undefined;
  variables: Record<string, unknown>;
  schema?: Record<string, unknown> | undefined;
  schemaName?: string | undefined;
  tableFormat?: "html" | "markdown" | undefined;
  maxTokens?: number | undefined;
  includeImageBase64: boolean;
}

/** A task bound to a backend: prompt built, schema checked. Opaque to the pipeline. */
export interface PreparedTask {
  task: TaskDefinition;
  options: TaskOptions;
  /** The model version that reads the pages, when the backend has versions (see `gateway/release`). */
  modelVersion?: { name: string; model: string };
}

export interface PageContext {
  requestId: string;
  signal: AbortSignal;
  /** Streams generated text of this page as it arrives. */
  onDelta: (text: string) => void;
  /** The page is read again (`reason` says why): text streamed so far for it is void. */
  onRetry?: (reason: string) => void;
  /** A copy read by a shadow candidate to compare answers: no client waits for it, it is not mirrored again. */
  shadow?: boolean;
}

/** What a backend does with a task: whether it runs it, and which request options it does not use. */
export interface TaskCapabilities {
  available: boolean;
  /** Options accepted (and validated) but without effect here, e.g. `language` when no prompt is sent. */
  ignoredOptions: readonly string[];
}

/** The load of a backend's model slots, for background jobs that must only use spare capacity. */
export interface BackendLoad {
  /** Calls that may run at once on the replicas (or engine workers) in rotation. */
  slots: number;
  /** Calls running now (interactive and background). */
  busy: number;
  /** Calls waiting in the gateway for a slot. */
  waiting: number;
  /** Slots background work leaves free for interactive calls, so those never queue behind it. */
  reserved?: number;
}

/**
 * How `/v1/ocr` reads one page with a given backend. The pipeline (pages, concurrency, events, the
 * response) is the same for every backend; only this differs.
 */
export interface OcrBackend {
  readonly name: string;
  /** Bounds for page images sent to this backend. */
  readonly imageLimits: ImageLimits;
  /** Reported per task by `/v1/tasks` (the web UI hides what does not apply) and used to pick MCP tools. */
  capabilities(task: TaskDefinition): TaskCapabilities;
  /**
   * Checks the task's options and builds what it needs; throws 4xx before any model time is spent.
   * `route` picks the model version when there are several.
   */
  prepareTask(task: TaskDefinition, options: TaskOptions, route?: VersionRoute): PreparedTask;
  /**
   * Throws the 501 for a task this backend cannot run (`capabilities(task).available` false). Called once the
   * request and its document passed every check, so a caller's mistake gets its own 4xx first.
   */
  assertServes?(task: TaskDefinition): void;
  runPage(page: PreparedPage, task: PreparedTask, context: PageContext): Promise<PageResult>;
  /** What the backend's model slots are doing now (unknown: background work is not throttled by load). */
  load?(): BackendLoad;
}
