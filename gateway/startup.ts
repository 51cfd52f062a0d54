import { type BuildOptions, buildDependencies } from "./compose.ts";
import { ConfigError, loadConfig } from "./config/load-config.ts";
import type { GatewayConfig } from "./config/schema.ts";
import type { AppDependencies } from "./http/request-context.ts";
import { createLogger, type Logger } from "./logging/logger.ts";

export interface Started {
  config: GatewayConfig;
  logger: Logger;
  deps: AppDependencies;
}

/**
 * The start of every entry point (HTTP server, MCP over stdio): settings from the environment and `argv`
 * flags, a logger on `logStream`, then the dependencies. A bad setting exits with status 2 and the message
 * naming the variable; a start-up failure (missing engine packages, a bad prompt file) exits with 1 and one
 * clear line on stderr, never a stack trace.
 */
export async function startDependencies(
  argv: readonly string[],
  logStream: NodeJS.WritableStream,
  label: string,
  options: BuildOptions = {},
): Promise<Started> {
  let config: GatewayConfig;
  try {
    config = loadConfig(process.env, argv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger(config.LOG_LEVEL, logStream);
  try {
    return { config, logger, deps: await buildDependencies(config, logger, options) };
  } catch (error) {
    logger.fatal({ code: (error as { code?: string }).code }, (error as Error).message);
    process.stderr.write(`${label}: cannot start: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
