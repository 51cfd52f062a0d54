import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createApp } from "../app.ts";
import { buildDependencies, closeDependencies } from "../compose.ts";
import { loadConfig } from "../config/load-config.ts";
import { createLogger } from "../logging/logger.ts";
import { formatReport, progressBar } from "./format-report.ts";
import { type EvalTask, runEval } from "./run-eval.ts";
import { BUNDLED_SROIE_SAMPLE, loadSroieSample } from "./sroie-dataset.ts";

const USAGE = `usage: ocr-gateway eval [--dataset <dir>] [--task text|fields] [--backend <vLLM url>|embedded]
                        [--limit N] [--json <file>|-]
--dataset defaults to the receipts bundled with the repository (test/fixtures/sroie).`;

/**
 * `ocr-gateway eval` / `npm run eval`: scores a backend on a labelled folder through the gateway's own
 * `/v1/ocr` code path (in-process, no socket). Prints a table, and JSON with `--json`.
 */
export async function runEvalCli(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      dataset: { type: "string", default: BUNDLED_SROIE_SAMPLE },
      task: { type: "string", default: "text" },
      backend: { type: "string" },
      limit: { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || !["text", "fields"].includes(values.task)) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const backend = values.backend ?? (process.env.VLLM_URL ? process.env.VLLM_URL : "embedded");
  const config = loadConfig({
    ...process.env,
    VLLM_URL: backend === "embedded" ? "" : backend,
    LOG_LEVEL: "silent",
  });
  const deps = await buildDependencies(config, createLogger("silent"), { background: false });
  try {
    const receipts = (await loadSroieSample(path.resolve(values.dataset))).slice(
      0,
      Number(values.limit ?? Infinity),
    );
    if (receipts.length === 0) {
      console.error(`No labelled documents (NNN.jpg + NNN.boxes.csv) in ${values.dataset}`);
      return 2;
    }
    const report = await runEval(createApp(deps), receipts, {
      dataset: values.dataset,
      task: values.task as EvalTask,
      onProgress: (done, total, id) => process.stderr.write(progressBar(done, total, id)),
    });
    process.stderr.write("\n");
    if (values.json === "-") console.log(JSON.stringify(report, null, 2));
    else {
      console.log(formatReport(report));
      if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
    }
    return report.failed === report.documents ? 1 : 0;
  } finally {
    await closeDependencies(deps);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runEvalCli(process.argv.slice(2));
}
