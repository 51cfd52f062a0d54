import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import type { OcrResponse } from "../../ocr/ocr-response.ts";
import { backoff } from "../../upstream/retry-policy.ts";
import type { AdaptiveLimit } from "./adaptive-limit.ts";
import type { BatchDocument } from "./batch-document.ts";
import { type BatchFailure, isTransientReason, toBatchFailure } from "./batch-failure.ts";
import { optionsDigest } from "./document-options.ts";
import type { DocumentOutputs } from "./document-outputs.ts";
import { bytesOf, type LoadedDocument, loadDocument } from "./load-document.ts";
import type { OcrRunner } from "./ocr-runner.ts";
import type { DocumentRecord, FailureReason, RunState } from "./run-state.ts";

/** The document's bytes and file name, for the formats built on the document itself. */
function sourceOf(document: BatchDocument, loaded: LoadedDocument) {
  return async () => ({ bytes: await bytesOf(document, loaded), name: loaded.name });
}

/** Attempts a document gets while the upstream answers 429/503 (each waits its `retry-after` or a backoff). */
const OVERLOAD_RETRIES = 20;
/** Documents in a row that found the upstream unreachable (after their retries) before the run gives up. */
const UNREACHABLE_STREAK = 5;

export type OutcomeStatus = "done" | "skipped" | "failed" | "abandoned";

/** How one document ended in this run. */
export interface DocumentOutcome {
  key: string;
  status: OutcomeStatus;
  pages: number;
  ms: number;
  reason?: FailureReason;
  /** Why it was not read now: done or failed in an earlier run, or a copy of another document. */
  note?: "done_earlier" | "failed_earlier" | "duplicate" | "outputs_completed";
}

export interface BatchRunSettings {
  retryFailed: boolean;
  /** Extra attempts for transient failures (429, 502, 503, 504, connection errors). */
  retries: number;
  retryBaseMs: number;
  maxBytes: number;
  /** Documents read or hashed ahead of admission, so the upstream never waits for the disk. */
  prefetch: number;
}

export interface BatchRunParts {
  documents: readonly BatchDocument[];
  runner: OcrRunner;
  state: RunState;
  outputs: DocumentOutputs;
  limit: AdaptiveLimit;
  settings: BatchRunSettings;
  onOutcome(outcome: DocumentOutcome): void;
}

/**
 * Runs a batch: each document is identified (SHA-256), skipped when the state says it is done with the same
 * bytes and options, otherwise read by the runner under the adaptive limit, its outputs written atomically and
 * then its record appended. Copies (same bytes and options) are read once. `stop()` stops taking documents and
 * cancels those not yet admitted; `stop(true)` also abandons those being read (they stay pending).
 */
export class BatchRun {
  private readonly soft = new AbortController();
  private readonly hard = new AbortController();
  private readonly reading = new Map<string, Promise<{ key: string; response: OcrResponse }>>();
  private started = 0;
  private unreachableStreak = 0;
  /** Set when the run stopped by itself, saying why (e.g. the model server cannot be reached). */
  gaveUp: string | undefined;

  constructor(private readonly parts: BatchRunParts) {
    // Every document in flight listens on these two signals.
    setMaxListeners(0, this.soft.signal, this.hard.signal);
  }

  /** Documents not started when the run ended (after a stop). */
  get pending(): number {
    return this.parts.documents.length - this.started;
  }

  stop(abandonInFlight = false): void {
    this.soft.abort(new Error("stopped"));
    if (abandonInFlight) this.hard.abort(new Error("abandoned"));
  }

  async run(): Promise<void> {
    const { documents, limit, settings } = this.parts;
    const active = new Set<Promise<void>>();
    for (const document of documents) {
      while (active.size >= Math.ceil(limit.limit) + settings.prefetch) await Promise.race(active);
      if (this.soft.signal.aborted) break;
      this.started++;
      const task = this.process(document).then((outcome) => this.parts.onOutcome(outcome));
      const tracked = task.finally(() => active.delete(tracked));
      active.add(tracked);
    }
    await Promise.all(active);
  }

  private async process(document: BatchDocument): Promise<DocumentOutcome> {
    const { state, outputs, settings, runner } = this.parts;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const digest = optionsDigest(document.options);
    const previous = state.get(document.key);
    let loaded: LoadedDocument | undefined;
    try {
      loaded = await loadDocument(document, previous, settings.maxBytes, (url) =>
        runner.fetchUrl(url, this.hard.signal),
      );
      const same = previous?.sha256 === loaded.sha256 && previous.optionsDigest === digest;
      if (same && previous.status === "done") {
        const missing = await outputs.missing(document.key, previous.formats);
        if (missing.length === 0) return { ...outcomeOf(previous, "skipped"), note: "done_earlier" };
        const saved = await outputs.readSaved(document.key);
        if (saved) {
          await outputs.write(document.key, saved, sourceOf(document, loaded), missing);
          await state.append({ ...previous, formats: outputs.formats.map((writer) => writer.name) });
          return { ...outcomeOf(previous, "done"), note: "outputs_completed" };
        }
      }
      if (
        same &&
        previous.status === "failed" &&
        !settings.retryFailed &&
        !isTransientReason(previous.error)
      ) {
        return { ...outcomeOf(previous, "failed"), note: "failed_earlier" };
      }
      const { response, duplicateOf } = await this.read(document, loaded, digest);
      await outputs.write(document.key, response, sourceOf(document, loaded), outputs.formats);
      const record = this.record(
        document,
        loaded,
        digest,
        "done",
        response.usage_info.pages_processed,
        elapsed(),
      );
      await state.append(duplicateOf ? { ...record, duplicateOf } : record);
      this.unreachableStreak = 0;
      return { ...outcomeOf(record, "done"), ...(duplicateOf ? { note: "duplicate" as const } : {}) };
    } catch (error) {
      if (this.hard.signal.aborted || (this.soft.signal.aborted && isStopError(error))) {
        return { key: document.key, status: "abandoned", pages: 0, ms: elapsed() };
      }
      const failure = toBatchFailure(error);
      const record = this.record(document, loaded, digest, "failed", 0, elapsed(), failure.toReason());
      await state.append(record);
      this.noteUnreachable(failure);
      return outcomeOf(record, "failed");
    }
  }

  /** Stops the run when document after document finds the upstream unreachable: the rest would fail alike. */
  private noteUnreachable(failure: BatchFailure): void {
    this.unreachableStreak = failure.unreachable ? this.unreachableStreak + 1 : 0;
    if (this.unreachableStreak >= UNREACHABLE_STREAK && !this.soft.signal.aborted) {
      this.gaveUp = `${UNREACHABLE_STREAK} documents in a row could not reach the model server (${failure.code}); stopped. Run again once it is back.`;
      this.stop();
    }
  }

  /** The document's answer: from a copy read in this run or an earlier one, else from the runner. */
  private async read(
    document: BatchDocument,
    loaded: LoadedDocument,
    digest: string,
  ): Promise<{ response: OcrResponse; duplicateOf?: string }> {
    const contentKey = `${loaded.sha256}/${digest}`;
    const inRun = this.reading.get(contentKey);
    if (inRun) {
      const original = await inRun;
      return { response: original.response, duplicateOf: original.key };
    }
    const earlier = this.parts.state.findDone(loaded.sha256, digest);
    if (earlier && earlier.key !== document.key && earlier.formats.includes("json")) {
      const saved = await this.parts.outputs.readSaved(earlier.key);
      if (saved) return { response: saved, duplicateOf: earlier.key };
    }
    const reading = this.readWithRetries(document, loaded).then((response) => ({
      key: document.key,
      response,
    }));
    this.reading.set(contentKey, reading);
    try {
      return { response: (await reading).response };
    } finally {
      this.reading.delete(contentKey);
    }
  }

  private async readWithRetries(document: BatchDocument, loaded: LoadedDocument): Promise<OcrResponse> {
    const { runner, limit, settings } = this.parts;
    const bytes = await bytesOf(document, loaded);
    const waitSignal = AbortSignal.any([this.soft.signal, this.hard.signal]);
    setMaxListeners(0, waitSignal);
    const admit = (pages: number) => limit.acquire(Math.min(pages, runner.pageConcurrency), waitSignal);
    const policy = { retries: settings.retries, baseDelayMs: settings.retryBaseMs, maxDelayMs: 60_000 };
    let failures = 0;
    let overloads = 0;
    for (;;) {
      try {
        return await runner.run(
          { bytes, name: loaded.name, options: document.options },
          admit,
          this.hard.signal,
        );
      } catch (error) {
        const failure: BatchFailure = toBatchFailure(error);
        // Overload says "later", not "broken": it has a budget of its own, and the limit shrinks meanwhile.
        const attempt = failure.overload ? overloads++ : failures++;
        const budget = failure.overload ? Math.max(settings.retries, OVERLOAD_RETRIES) : settings.retries;
        if (!failure.transient || attempt >= budget || waitSignal.aborted) throw error;
        const retryAfterMs = failure.retryAfter != null ? Number(failure.retryAfter) * 1000 : undefined;
        if (failure.overload) limit.overloaded(Number.isFinite(retryAfterMs) ? retryAfterMs : undefined);
        await backoff(policy, Math.min(attempt, 6), failure.retryAfter, waitSignal);
      }
    }
  }

  private record(
    document: BatchDocument,
    loaded: LoadedDocument | undefined,
    digest: string,
    status: DocumentRecord["status"],
    pages: number,
    ms: number,
    error?: FailureReason,
  ): DocumentRecord {
    return {
      key: document.key,
      status,
      sha256: loaded?.sha256 ?? "",
      size: loaded?.size ?? 0,
      mtimeMs: loaded?.mtimeMs ?? null,
      optionsDigest: digest,
      options: document.options,
      formats: status === "done" ? this.parts.outputs.formats.map((writer) => writer.name) : [],
      pages,
      ms,
      ...(error ? { error } : {}),
      at: new Date().toISOString(),
    };
  }
}

function outcomeOf(record: DocumentRecord, status: OutcomeStatus): DocumentOutcome {
  return {
    key: record.key,
    status,
    pages: record.pages,
    ms: record.ms,
    ...(record.error ? { reason: record.error } : {}),
  };
}

/** The rejection of a wait cancelled by `stop()` (an admission or a backoff), not a failure of the document. */
function isStopError(error: unknown): boolean {
  return (
    (error instanceof Error && error.message === "stopped") ||
    (error as { name?: string } | undefined)?.name === "AbortError"
  );
}
