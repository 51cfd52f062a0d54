import { parseArgs } from "node:util";
import { readUpstreamsFile } from "../release/upstreams-file.ts";
import { configSchema, type GatewayConfig } from "./schema.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

const settingNames = Object.keys(configSchema.shape) as Array<keyof typeof configSchema.shape>;

const toFlag = (name: string) => name.toLowerCase().replaceAll("_", "-");

/** Reads `--kebab-case value` flags for every setting; an unknown flag is an error naming it. */
export function parseConfigFlags(argv: readonly string[]): Record<string, string> {
  const options = Object.fromEntries(settingNames.map((name) => [toFlag(name), { type: "string" as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ConfigError(
      `${(error as Error).message}. Known flags: ${settingNames.map((name) => `--${toFlag(name)}`).join(", ")}`,
    );
  }
  const overrides: Record<string, string> = {};
  for (const name of settingNames) {
    const value = values[toFlag(name)];
    if (typeof value === "string") overrides[name] = value;
  }
  return overrides;
}

/**
 * Validates the settings once: environment variables, overridden by CLI flags. Empty values count as unset.
 * Throws a `ConfigError` whose message names the variable (and flag) to fix.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  argv: readonly string[] = [],
): GatewayConfig {
  const input: Record<string, string | undefined> = {};
  for (const name of settingNames) input[name] = env[name];
  Object.assign(input, parseConfigFlags(argv));
  const result = configSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "config");
      return `${name} (--${toFlag(name)}): ${issue.message}; got ${JSON.stringify(input[name])}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  checkUpstreamsFile(result.data);
  return Object.freeze(result.data);
}

/** `UPSTREAMS_FILE` replaces `VLLM_URL` (one of the two), and is read and validated now, like the rest. */
function checkUpstreamsFile(config: GatewayConfig): void {
  if (config.UPSTREAMS_FILE === undefined) return;
  const where = "UPSTREAMS_FILE (--upstreams-file)";
  if (config.VLLM_URL.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n  ${where}: set either VLLM_URL (one pool) or UPSTREAMS_FILE (model versions), not both`,
    );
  }
  try {
    readUpstreamsFile(config.UPSTREAMS_FILE);
  } catch (error) {
    throw new ConfigError(`Invalid configuration:\n  ${where}: ${(error as Error).message}`);
  }
}
