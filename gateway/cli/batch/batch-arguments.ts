import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DOCUMENT_OPTION_NAMES, type DocumentOptions } from "./document-options.ts";
import { type OutputWriter, parseFormats } from "./output-writers.ts";

export const BATCH_USAGE = `usage: ocr-gateway batch <folder | glob | manifest.csv | manifest.jsonl> --out <folder> [options]

  --format md,json,txt     outputs per document (default md,json; json is the /v1/ocr answer)
  --task, --language, --pages, --fields, --schema <json|file>, --table-format, --target-language,
  --key, --max-tokens      /v1/ocr options for every document (a manifest's columns override them)
  --server <url>           send the documents to a running gateway (default: read them in this process)
  --api-key <key>          the gateway's key for --server (default: OCR_API_KEY)
  --concurrency <n>        pages in flight, fixed (default: adapts, from the upstream's capacity)
  --max-concurrency <n>    ceiling of the adaptive limit (default 256)
  --retries <n>            extra attempts on 502/504 and connection errors (default 4; 429/503 get up to 20)
  --retry-failed           read again the documents that failed in an earlier run
  --quiet                  no progress, no summary; --json  print the report as JSON
  --progress-interval <s>  seconds between plain progress lines when not on a terminal (default 5)
  --submit                 with --server: hand the documents not done yet to the server's batch API
                           (/v1/files + /v1/batches) and return; the server goes on without this process
  --wait                   with --server: wait for this folder's submitted batches, then write their results
                           (--submit --wait does both)
  --submit-file-mb <n>     largest batch input file uploaded, MB (default 32; keep it under the server's
                           MAX_BODY_BYTES); a larger set is split over several batches
In-process runs take the gateway's settings from the environment (VLLM_URL, …) or --kebab-case flags.`;

export class UsageError extends Error {}

export interface BatchArguments {
  input: string;
  out: string;
  formats: OutputWriter[];
  options: DocumentOptions;
  server: string | undefined;
  apiKey: string | undefined;
  concurrency: number | undefined;
  maxConcurrency: number;
  retries: number;
  retryFailed: boolean;
  quiet: boolean;
  json: boolean;
  progressIntervalMs: number;
  submit: boolean;
  wait: boolean;
  /** `--submit-file-mb` in bytes. */
  submitFileBytes: number;
  help: boolean;
  /** Flags left for the gateway's configuration (`--vllm-url …`). */
  configArgv: string[];
}

const kebab = (name: string) => name.replaceAll("_", "-");

const BATCH_FLAGS = {
  out: { type: "string" },
  format: { type: "string" },
  server: { type: "string" },
  "api-key": { type: "string" },
  concurrency: { type: "string" },
  "max-concurrency": { type: "string" },
  retries: { type: "string" },
  "retry-failed": { type: "boolean" },
  quiet: { type: "boolean" },
  json: { type: "boolean" },
  "progress-interval": { type: "string" },
  submit: { type: "boolean" },
  wait: { type: "boolean" },
  "submit-file-mb": { type: "string" },
  help: { type: "boolean", short: "h" },
  ...Object.fromEntries(DOCUMENT_OPTION_NAMES.map((name) => [kebab(name), { type: "string" }])),
} as const satisfies Record<string, { type: "string" | "boolean"; short?: string }>;

/** Separates the batch's own flags (and the input) from the gateway settings' flags, in order. */
function splitArgv(argv: readonly string[]): { own: string[]; config: string[] } {
  const own: string[] = [];
  const config: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const token = argv[index] as string;
    const name = token.startsWith("--") ? token.slice(2).split("=")[0] : undefined;
    if (name === undefined || name in BATCH_FLAGS || token === "-h") {
      own.push(token);
      continue;
    }
    config.push(token);
    const next = argv[index + 1];
    if (!token.includes("=") && next !== undefined && !next.startsWith("--"))
      config.push(argv[++index] as string);
  }
  return { own, config };
}

function positiveInteger(flag: string, value: string | undefined, fallback: number | undefined) {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new UsageError(`--${flag} must be a whole number ≥ 0.`);
  return number;
}

/** A `--schema` value: inline JSON, or the path of a JSON file. */
function readSchema(value: string): string {
  if (/^\s*\{/.test(value)) return value;
  try {
    return readFileSync(value, "utf8");
  } catch {
    throw new UsageError(`--schema: "${value}" is neither JSON nor a readable file.`);
  }
}

export function parseBatchArguments(argv: readonly string[], env: NodeJS.ProcessEnv): BatchArguments {
  const { own, config } = splitArgv(argv);
  let parsed: ReturnType<typeof parseArgs<{ options: typeof BATCH_FLAGS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: own, options: BATCH_FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const flags = values as Record<string, string | boolean | undefined>;
  const help = flags.help === true;
  if (!help && positionals.length !== 1)
    throw new UsageError("Give one input: a folder, a glob or a manifest.");
  if (!help && typeof flags.out !== "string") throw new UsageError("--out <folder> is required.");
  const options: DocumentOptions = {};
  for (const name of DOCUMENT_OPTION_NAMES) {
    const value = flags[kebab(name)];
    if (typeof value === "string") options[name] = name === "schema" ? readSchema(value) : value;
  }
  let formats: OutputWriter[];
  try {
    formats = parseFormats(typeof flags.format === "string" ? flags.format : "md,json");
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (formats.some((writer) => writer.needsBoxes)) {
    // Searchable PDF, ALTO and hOCR place words by their boxes: only the spotting task reports them.
    options.task ??= "spotting";
    if (options.task !== "spotting") {
      throw new UsageError(
        `--format ${formats.map((writer) => writer.name).join(",")} needs --task spotting.`,
      );
    }
  }
  if (!help && (flags.submit === true || flags.wait === true) && typeof flags.server !== "string") {
    throw new UsageError(
      "--submit and --wait need --server <url>: the gateway whose batch API runs the work.",
    );
  }
  const submitFileMb = Number(flags["submit-file-mb"] ?? 32);
  if (!(submitFileMb > 0)) throw new UsageError("--submit-file-mb must be a number of megabytes above 0.");
  const concurrency = positiveInteger("concurrency", flags.concurrency as string | undefined, undefined);
  if (concurrency === 0) throw new UsageError("--concurrency must be at least 1.");
  return {
    input: positionals[0] ?? "",
    out: (flags.out as string | undefined) ?? "",
    formats,
    options,
    server: flags.server as string | undefined,
    apiKey: (flags["api-key"] as string | undefined) ?? (env.OCR_API_KEY || undefined),
    concurrency,
    maxConcurrency: Math.max(
      1,
      positiveInteger("max-concurrency", flags["max-concurrency"] as string | undefined, 256) ?? 256,
    ),
    retries: positiveInteger("retries", flags.retries as string | undefined, 4) ?? 4,
    retryFailed: flags["retry-failed"] === true,
    quiet: flags.quiet === true,
    json: flags.json === true,
    progressIntervalMs: 1000 * (Number(flags["progress-interval"] ?? 5) || 5),
    submit: flags.submit === true,
    wait: flags.wait === true,
    submitFileBytes: Math.round(submitFileMb * 1024 * 1024),
    help,
    configArgv: config,
  };
}
