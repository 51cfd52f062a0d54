import { mkdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { buildDependencies } from "../../compose.ts";
import { ConfigError, loadConfig } from "../../config/load-config.ts";
import type { GatewayConfig } from "../../config/schema.ts";
import { createRemoteFileFetcher } from "../../fetching/fetch-remote-file.ts";
import { createLogger } from "../../logging/logger.ts";
import { AdaptiveLimit } from "./adaptive-limit.ts";
import { BATCH_USAGE, type BatchArguments, parseBatchArguments, UsageError } from "./batch-arguments.ts";
import type { Discovery } from "./batch-document.ts";
import { buildReport, formatSummary } from "./batch-report.ts";
import { BatchRun } from "./batch-run.ts";
import { BatchTally } from "./batch-tally.ts";
import { discoverFiles } from "./discover-files.ts";
import { DocumentOutputs } from "./document-outputs.ts";
import { createInProcessRunner } from "./in-process-runner.ts";
import type { OcrRunner } from "./ocr-runner.ts";
import { createProgressDisplay } from "./progress-display.ts";
import { isManifestPath, readManifest } from "./read-manifest.ts";
import { acquireRunLock, RunLockedError } from "./run-lock.ts";
import { RunState } from "./run-state.ts";
import { createServerRunner } from "./server-runner.ts";
import { resetTempDir, writeFileAtomic } from "./write-atomic.ts";

/** Files the batch keeps in the output folder beside the mirrored tree. */
export const STATE_FILE = ".ocr-batch-state.jsonl";
export const LOCK_FILE = ".ocr-batch.lock";
export const TEMP_DIR = ".ocr-batch-tmp";
export const REPORT_FILE = "report.json";

async function discover(args: BatchArguments): Promise<Discovery> {
  if (isManifestPath(args.input)) return readManifest(args.input, args.options);
  return discoverFiles(args.input, args.options, args.out);
}

async function createRunner(args: BatchArguments, config: GatewayConfig): Promise<OcrRunner> {
  if (args.server) {
    const fetcher = createRemoteFileFetcher({
      maxBytes: config.FETCH_MAX_BYTES,
      timeoutMs: config.FETCH_TIMEOUT_MS,
      maxRedirects: config.FETCH_MAX_REDIRECTS,
      allowedPrivateHosts: config.FETCH_ALLOWED_PRIVATE_HOSTS,
      acceptedTypes: /^(image\/|application\/pdf$)/,
    });
    return createServerRunner({ server: args.server, apiKey: args.apiKey, fetcher });
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
    if (args.submit || args.wait) {
      process.stderr.write(
        "ocr-gateway batch: --submit/--wait are not available yet (they need the gateway's /v1/batches API); run without them.\n",
      );
      return 2;
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
  let runner: OcrRunner;
  try {
    runner = await createRunner(args, config);
  } catch (error) {
    await state.close();
    process.stderr.write(`ocr-gateway batch: cannot start: ${(error as Error).message}\n`);
    return 1;
  }
  const startedAt = new Date();
  const tally = new BatchTally(discovery.documents.length, discovery.skipped);
  const stream = process.stderr;
  const display = createProgressDisplay(
    args.quiet ? "quiet" : stream.isTTY ? "bar" : "plain",
    stream,
    args.progressIntervalMs,
  );
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

  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      display.note("Stopping: finishing the documents being read (Ctrl-C again to abandon them)…");
      run.stop();
    } else {
      display.note("Abandoning the documents being read; they stay pending for the next run.");
      run.stop(true);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (!args.quiet) {
    stream.write(
      `ocr-gateway batch: ${discovery.documents.length} documents → ${out} (${runner.description}, ` +
        `${args.concurrency ? `${args.concurrency} pages in flight` : `from ${Math.round(limit.limit)} pages in flight, adaptive`})\n`,
    );
  }
  display.start(tally.snapshot());
  try {
    await run.run();
  } finally {
    display.stop(tally.snapshot());
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await state.close();
    await runner.close();
  }
  if (run.gaveUp) process.stderr.write(`ocr-gateway batch: ${run.gaveUp}\n`);
  const report = buildReport(tally, {
    input: args.input,
    out,
    runner: runner.description,
    formats: args.formats.map((writer) => writer.name),
    startedAt,
    interrupted: interrupts > 0,
    stoppedBecause: run.gaveUp,
    pending: run.pending,
  });
  await writeFileAtomic(path.join(out, REPORT_FILE), `${JSON.stringify(report, null, 2)}\n`, tempDir);
  await rm(tempDir, { recursive: true, force: true });
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (!args.quiet) process.stdout.write(`\n${formatSummary(report)}\n`);
  return report.exit_code;
}
