import { GatewayError, type GatewayErrorOptions } from "../errors.ts";

/** 409: the batch is not in a state that allows this (OpenAI answers cancel on a finished batch this way). */
export class ConflictError extends GatewayError {
  constructor(code: string, message: string, options?: GatewayErrorOptions) {
    super(409, "invalid_request_error", code, message, options);
  }
}
