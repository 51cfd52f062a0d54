import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { buildDependencies } from "../../compose.ts";
import { ConfigError, loadConfig } from "../../config/load-config.ts";
import type { GatewayConfig } from "../../config/schema.ts";
import { createRemoteFileFetcher } from "../../fetching/fetch-remote-file.ts";
import { createLogger } from "../../logging/logger.ts";
import { AdaptiveLimit } from "./adaptive-limit.ts";
import { BatchApiClient } from "./batch-api-client.ts";
import { BATCH_USAGE, type BatchArguments, parseBatchArguments, UsageError } from "./batch-arguments.ts";
import type { Discovery } from "./batch-document.ts";
import { toBatchFailure } from "./batch-failure.ts";
import { buildReport, formatSummary, type ReportContext } from "./batch-report.ts";
import { BatchRun, type DocumentOutcome } from "./batch-run.ts";
import { BatchTally } from "./batch-tally.ts";
import { collectBatches } from "./collect-batches.ts";
import { discoverFiles } from "./discover-files.ts";
import { DocumentOutputs } from "./document-outputs.ts";
import { createInProcessRunner } from "./in-process-runner.ts";
import type { OcrRunner } from "./ocr-runner.ts";
import { createProgressDisplay } from "./progress-display.ts";
import { isManifestPath, readManifest } from "./read-manifest.ts";
import { acquireRunLock, RunLockedError } from "./run-lock.ts";
import { RunState } from "./run-state.ts";
import { createServerRunner } from "./server-runner.ts";
import { SubmissionLog } from "./submissions.ts";
import { completeInterruptedSubmissions, submitDocuments } from "./submit-documents.ts";
import { resetTempDir, writeFileAtomic } from "./write-atomic.ts";

/** Files the batch keeps in the output folder beside the mirrored tree. */
export const STATE_FILE = ".ocr-batch-state.jsonl";
export const LOCK_FILE = ".ocr-batch.lock";
export const TEMP_DIR = ".ocr-batch-tmp";
export const REPORT_FILE = "report.json";
export const SUBMISSIONS_FILE = ".ocr-batch-submissions.json";

async function discover(args: BatchArguments): Promise<Discovery> {
  if (isManifestPath(args.input)) return readManifest(args.input, args.options);
  return discoverFiles(args.input, args.options, args.out);
}

/** Fetches a manifest's URLs when the documents are sent to a server (which is sent their bytes). */
function manifestFetcher(config: GatewayConfig) {
  return createRemoteFileFetcher({
    maxBytes: config.FETCH_MAX_BYTES,
    timeoutMs: config.FETCH_TIMEOUT_MS,
    maxRedirects: config.FETCH_MAX_REDIRECTS,
    allowedPrivateHosts: config.FETCH_ALLOWED_PRIVATE_HOSTS,
    acceptedTypes: /^(image\/|application\/pdf$)/,
  });
}

async function createRunner(args: BatchArguments, config: GatewayConfig): Promise<OcrRunner> {
  if (args.server) {
    return createServerRunner({ server: args.server, apiKey: args.apiKey, fetcher: manifestFetcher(config) });
  }
  return createInProcessRunner(
    await buildDependencies(config, createLogger(config.LOG_LEVEL, process.stderr), { background: false }),
  );
}

/** The gateway's settings; a batch logs warnings only unless LOG_LEVEL says otherwise (the bar owns stderr). */
function batchConfig(args: BatchArguments): GatewayConfig {
  return loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || "warn" }, args.configArgv);
}

/**
 * `ocr-gateway batch` / `npm run batch --`: OCRs a folder, a glob or a manifest into `--out`, resumably.
 * Returns the exit status: 0 all done, 1 some document failed, 2 bad usage, 130 interrupted.
 */
export async function runBatchCli(argv: readonly string[]): Promise<number> {
  let args: BatchArguments;
  let config: GatewayConfig;
  try {
    args = parseBatchArguments(argv, process.env);
    if (args.help) {
      console.log(BATCH_USAGE);
      return 0;
    }
    config = batchConfig(args);
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n${error instanceof UsageError ? `${BATCH_USAGE}\n` : ""}`);
    return 2;
  }
  const isInput = await stat(args.input).then(
    () => true,
    () => false,
  );
  if (!isInput && (isManifestPath(args.input) || !/[*?[{]/.test(args.input))) {
    process.stderr.write(`ocr-gateway batch: no such folder, file or glob: ${args.input}\n`);
    return 2;
  }
  const out = path.resolve(args.out);
  await mkdir(out, { recursive: true });
  let releaseLock: () => Promise<void>;
  try {
    releaseLock = await acquireRunLock(path.join(out, LOCK_FILE));
  } catch (error) {
    if (!(error instanceof RunLockedError)) throw error;
    process.stderr.write(`ocr-gateway batch: ${error.message}\n`);
    return 2;
  }
  try {
    return await runLocked(args, config, out);
  } finally {
    await releaseLock();
  }
}

async function runLocked(args: BatchArguments, config: GatewayConfig, out: string): Promise<number> {
  const tempDir = path.join(out, TEMP_DIR);
  await resetTempDir(tempDir);
  const discovery = await discover(args);
  const state = await RunState.open(path.join(out, STATE_FILE), tempDir);
  const run = { args, config, out, tempDir, discovery, state, startedAt: new Date() };
  return args.submit || args.wait ? runOnServerBatches(run) : runDocuments(run);
}

interface RunSetup {
  args: BatchArguments;
  config: GatewayConfig;
  out: string;
  tempDir: string;
  discovery: Discovery;
  state: RunState;
  startedAt: Date;
}

function createDisplay(args: BatchArguments) {
  const stream = process.stderr;
  return createProgressDisplay(
    args.quiet ? "quiet" : stream.isTTY ? "bar" : "plain",
    stream,
    args.progressIntervalMs,
  );
}

/** Calls `onStop(count)` on each Ctrl-C / SIGTERM until the returned function removes the handlers. */
function onInterrupt(onStop: (count: number) => void): () => void {
  let count = 0;
  const handler = () => onStop(++count);
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/** Writes `report.json`, prints the summary (or the JSON report) and returns the exit status. */
async function finishRun(
  setup: RunSetup,
  tally: BatchTally,
  context: Omit<ReportContext, "input" | "out" | "formats" | "startedAt">,
): Promise<number> {
  const { args, out, tempDir } = setup;
  const report = buildReport(tally, {
    ...context,
    input: args.input,
    out,
    formats: args.formats.map((writer) => writer.name),
    startedAt: setup.startedAt,
  });
  await writeFileAtomic(path.join(out, REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`, tempDir);
  await rm(tempDir, { recursive: true, force: true });
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (!args.quiet) process.stdout.write(`\n${formatSummary(report)}\n`);
  return report.exit_code;
}

/** Reads the documents here, or one by one through a server's `/v1/ocr`. */
async function runDocuments(setup: RunSetup): Promise<number> {
  const { args, config, out, tempDir, discovery, state } = setup;
  let runner: OcrRunner;
  try {
    runner = await createRunner(args, config);
  } catch (error) {
    await state.close();
    process.stderr.write(`ocr-gateway batch: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  const tally = new BatchTally(discovery.documents.length, discovery.skipped);
  const display = createDisplay(args);
  const limit = new AdaptiveLimit({
    initial: args.concurrency ?? runner.initialConcurrency,
    max: args.concurrency ?? args.maxConcurrency,
    adaptive: args.concurrency === undefined,
  });
  const run = new BatchRun({
    documents: discovery.documents,
    runner,
    state,
    outputs: new DocumentOutputs(out, args.formats, tempDir),
    limit,
    settings: {
      retryFailed: args.retryFailed,
      retries: args.retries,
      retryBaseMs: 500,
      maxBytes: config.MAX_BODY_BYTES,
      prefetch: 4,
    },
    onOutcome: (outcome) => {
      tally.add(outcome);
      display.update(tally.snapshot());
    },
  });

  let interrupted = false;
  const removeHandlers = onInterrupt((count) => {
    interrupted = true;
    if (count === 1) {
      display.note("Stopping: finishing the documents being read (Ctrl-C again to abandon them)…");
      run.stop();
    } else {
      display.note("Abandoning the documents being read; they stay pending for the next run.");
      run.stop(true);
    }
  });
  if (!args.quiet) {
    process.stderr.write(
      `ocr-gateway batch: ${discovery.documents.length} documents → ${out} (${runner.description}, ` +
        `${args.concurrency ? `${args.concurrency} pages in flight` : `from ${Math.round(limit.limit)} pages in flight, adaptive`})\n`,
    );
  }
  display.start(tally.snapshot());
  try {
    await run.run();
  } finally {
    display.stop(tally.snapshot());
    removeHandlers();
    await state.close();
    await runner.close();
  }
  if (run.gaveUp) process.stderr.write(`ocr-gateway batch: ${run.gaveUp}\n`);
  return finishRun(setup, tally, {
    runner: runner.description,
    interrupted,
    stoppedBecause: run.gaveUp,
    pending: run.pending,
  });
}

/**
 * `--submit` hands the documents not done yet to the server's batch API (`/v1/files` + `/v1/batches`) and
 * returns; `--wait` waits for the batches this folder submitted and writes their results; both together do
 * both. The server keeps working when this process ends: a later `--wait` collects.
 */
async function runOnServerBatches(setup: RunSetup): Promise<number> {
  const { args, config, out, tempDir, discovery, state } = setup;
  const server = args.server as string;
  const log = await SubmissionLog.open(path.join(out, SUBMISSIONS_FILE), tempDir);
  const stop = new AbortController();
  const client = new BatchApiClient(server, args.apiKey, stop.signal);
  const fetcher = manifestFetcher(config);
  const fetchUrl = async (url: string) => (await fetcher.fetchRemoteFile(url, stop.signal)).bytes;
  const outputs = new DocumentOutputs(out, args.formats, tempDir);
  const metadata = { created_by: "ocr-gateway batch", output_folder: path.basename(out).slice(0, 500) };
  const waitingEarlier = log.pending().reduce((sum, submission) => sum + submission.documents.length, 0);
  const tally = new BatchTally(
    args.submit ? discovery.documents.length : waitingEarlier,
    args.submit ? discovery.skipped : [],
  );
  const display = createDisplay(args);
  const onOutcome = (outcome: DocumentOutcome) => {
    tally.add(outcome);
    display.update(tally.snapshot());
  };
  let interrupted = false;
  const removeHandlers = onInterrupt(() => {
    interrupted = true;
    display.note("Stopping; the server goes on with what was submitted (collect it later with --wait).");
    stop.abort(new Error("stopped"));
  });
  const batches = new Map<string, string>();
  let stoppedBecause: string | undefined;
  const description = `server ${new URL(server).origin}, batch API`;
  if (!args.quiet) {
    process.stderr.write(
      `ocr-gateway batch: ${args.submit ? `${discovery.documents.length} documents` : `${waitingEarlier} submitted documents`} → ${out} (${description})\n`,
    );
  }
  display.start(tally.snapshot());
  try {
    await completeInterruptedSubmissions(log, client, metadata);
    if (args.submit) {
      const created = await submitDocuments({
        documents: discovery.documents,
        state,
        outputs,
        log,
        client,
        settings: {
          retryFailed: args.retryFailed,
          maxBytes: config.MAX_BODY_BYTES,
          inputFileBytes: args.submitFileBytes,
          maxLines: config.BATCH_MAX_LINES,
        },
        metadata,
        fetchUrl,
        onOutcome,
        signal: stop.signal,
      });
      for (const id of created) batches.set(id, "submitted");
    }
    if (args.wait) {
      const ended = await collectBatches({
        log,
        client,
        state,
        outputs,
        fetchUrl,
        pollMs: 250,
        maxPollMs: 10_000,
        signal: stop.signal,
        onOutcome,
        onProgress: (progress) => {
          const counts = tally.snapshot();
          display.update({
            ...counts,
            finished: Math.min(counts.total, counts.finished + progress.finished),
            failed: counts.failed + progress.failed,
          });
        },
      });
      for (const { id, status } of ended) batches.set(id, status);
    }
  } catch (error) {
    if (!stop.signal.aborted) {
      const failure = toBatchFailure(error);
      stoppedBecause = `the server's batch API failed: ${failure.code} (${failure.status}): ${failure.toReason().message}`;
    }
  } finally {
    display.stop(tally.snapshot());
    removeHandlers();
    await state.close();
  }
  if (stoppedBecause) process.stderr.write(`ocr-gateway batch: ${stoppedBecause}\n`);
  const submitted = log.pending().reduce((sum, submission) => sum + submission.documents.length, 0);
  for (const submission of log.pending()) {
    if (submission.batch_id && !batches.has(submission.batch_id))
      batches.set(submission.batch_id, "submitted");
  }
  const exit = await finishRun(setup, tally, {
    runner: description,
    interrupted,
    stoppedBecause,
    pending: 0,
    submitted,
    batches: [...batches].map(([id, status]) => ({ id, status })),
  });
  return stoppedBecause && exit === 0 ? 1 : exit;
}
