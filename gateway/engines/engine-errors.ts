import { type GatewayErrorOptions, ServiceUnavailableError } from "../errors.ts";

/**
 * 503: an engine cannot run in this installation (e.g. its optional packages were not installed). Retrying will
 * not help, so `x-should-retry: false`.
 */
export class EngineUnavailableError extends ServiceUnavailableError {
  constructor(message: string, options: GatewayErrorOptions = {}) {
    super("engine_unavailable", message, { retryable: false, ...options });
  }
}
