import { parseArgs } from "node:util";
import { VllmEmulator } from "./index.ts";
import type { ChatRequestBody, EmulatorOptions, ScriptedAnswer } from "./types.ts";

function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new Error(`--${flag} must be a positive number, got "${value}"`);
  }
  return number;
}

/** Builds options from `vllm serve`-like flags. */
function optionsFromArgs(args: string[]): EmulatorOptions {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "max-num-seqs": { type: "string" },
      "max-model-len": { type: "string" },
      "tokens-per-second": { type: "string" },
      "prefill-ms-per-image": { type: "string" },
      "api-key": { type: "string" },
      version: { type: "string" },
      "served-model-name": { type: "string" },
      model: { type: "string" },
      answer: { type: "string" },
      "fail-status": { type: "string" },
    },
    strict: true,
  });
  const options: EmulatorOptions = { port: Number(values.port ?? 8000) };
  const set = <K extends keyof EmulatorOptions>(key: K, value: EmulatorOptions[K] | undefined) => {
    if (value !== undefined) options[key] = value;
  };
  set("host", values.host);
  set("maxNumSeqs", positiveNumber("max-num-seqs", values["max-num-seqs"]));
  set("maxModelLen", positiveNumber("max-model-len", values["max-model-len"]));
  set("tokensPerSecond", positiveNumber("tokens-per-second", values["tokens-per-second"]));
  set("prefillMsPerImage", positiveNumber("prefill-ms-per-image", values["prefill-ms-per-image"]));
  set("apiKey", values["api-key"]);
  set("modelPath", values.model);
  set("version", values.version);
  set(
    "servedModelNames",
    values["served-model-name"]?.split(",").map((name) => name.trim()),
  );
  return options;
}

/**
 * `--answer TEXT`: every chat request gets this text (two instances that answer differently, for a gray
 * release); `--fail-status N`: every chat request gets this HTTP error, in vLLM's error shape (a failing one).
 */
function answerFromArgs(args: string[]): ((request: ChatRequestBody) => ScriptedAnswer) | undefined {
  const { values } = parseArgs({
    args,
    options: { answer: { type: "string" }, "fail-status": { type: "string" } },
    strict: false,
  });
  const status = positiveNumber("fail-status", values["fail-status"] as string | undefined);
  if (status !== undefined) {
    return () => ({
      httpError: {
        status,
        body: { error: { message: "emulated failure", type: "InternalServerError", code: status } },
      },
    });
  }
  const text = values.answer;
  return typeof text === "string" ? () => ({ text }) : undefined;
}

const args = process.argv.slice(2);
const emulator = await VllmEmulator.start(optionsFromArgs(args));
const answer = answerFromArgs(args);
if (answer) emulator.setDefaultAnswer(answer);
console.log(`vLLM emulator listening on ${emulator.url}`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    emulator.close().then(() => process.exit(0));
  });
}
