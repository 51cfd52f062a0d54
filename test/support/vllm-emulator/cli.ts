import { parseArgs } from "node:util";
import { VllmEmulator } from "./index.ts";
import type { EmulatorOptions } from "./types.ts";

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

const emulator = await VllmEmulator.start(optionsFromArgs(process.argv.slice(2)));
console.log(`vLLM emulator listening on ${emulator.url}`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    emulator.close().then(() => process.exit(0));
  });
}
