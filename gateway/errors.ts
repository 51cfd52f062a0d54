/**
 * The gateway's one error hierarchy. Handlers and middleware throw these; `app.onError` is the only writer of
 * the OpenAI-shaped envelope `{"error":{"message","type","param","code"}}`.
 */
export interface GatewayErrorOptions {
  param?: string | null;
  cause?: unknown;
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
  /** Set on 5xx answers that would fail again if retried (`x-should-retry: false`). */
  retryable?: boolean;
}

export class GatewayError extends Error {
  readonly param: string | null;
  readonly headers: Record<string, string>;
  readonly retryable: boolean | undefined;

  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
    this.retryable = options.retryable;
  }
}

type Subclass = new (code: string, message: string, options?: GatewayErrorOptions) => GatewayError;

/** A one-line subclass for one status; `name` is set so logs and stack traces say which it is. */
function errorClass(name: string, status: number, type: string): Subclass {
  const subclass = class extends GatewayError {
    constructor(code: string, message: string, options?: GatewayErrorOptions) {
      super(status, type, code, message, options);
    }
  };
  Object.defineProperty(subclass, "name", { value: name });
  return subclass;
}

/** 400: the request is malformed or asks for something impossible. */
export const BadRequestError = errorClass("BadRequestError", 400, "invalid_request_error");
/** 401: no or wrong credentials. */
export const AuthenticationError = errorClass("AuthenticationError", 401, "authentication_error");
/** 403: credentials are valid but not allowed to do this. */
export const PermissionDeniedError = errorClass("PermissionDeniedError", 403, "permission_error");
/** 404: unknown model, task or route. */
export const NotFoundError = errorClass("NotFoundError", 404, "not_found_error");
/** 405: a known path asked with a method it does not serve; carries `allow`. */
export const MethodNotAllowedError = errorClass("MethodNotAllowedError", 405, "invalid_request_error");
/** 409: the resource is not in a state that allows this (e.g. cancelling a finished job). */
export const ConflictError = errorClass("ConflictError", 409, "invalid_request_error");
/** 413: body, file or image over a configured limit. */
export const PayloadTooLargeError = errorClass("PayloadTooLargeError", 413, "invalid_request_error");
/** 415: a media type the gateway cannot read. */
export const UnsupportedMediaTypeError = errorClass(
  "UnsupportedMediaTypeError",
  415,
  "invalid_request_error",
);
/** 422: well-formed but unprocessable (e.g. a JSON schema vLLM cannot honour). */
export const UnprocessableEntityError = errorClass("UnprocessableEntityError", 422, "invalid_request_error");
/** 429: queue full or rate limited; carries `retry-after`. */
export const RateLimitError = errorClass("RateLimitError", 429, "rate_limit_error");
/** 501: the configured backend cannot do this task. */
export const NotImplementedError = errorClass("NotImplementedError", 501, "not_implemented_error");
/** 502: the upstream answered with something unusable. */
export const BadGatewayError = errorClass("BadGatewayError", 502, "upstream_error");
/** 503: no upstream available / shutting down. */
export const ServiceUnavailableError = errorClass(
  "ServiceUnavailableError",
  503,
  "service_unavailable_error",
);
/** 504: an upstream timeout. */
export const GatewayTimeoutError = errorClass("GatewayTimeoutError", 504, "timeout_error");
/** 500: a bug; its message is never sent to the client. */
export const InternalError = errorClass("InternalError", 500, "internal_error");

/**
 * The client closed the connection before its answer was complete. Not a failure of the gateway: logged at
 * info, recorded with nginx's status 499, counted as an abort and never as an error. Every abort that starts
 * from the client carries this as its reason (see `http/client-signal.ts`).
 */
export class ClientAbortedError extends GatewayError {
  constructor(options: GatewayErrorOptions = {}) {
    super(499, "client_aborted", "client_aborted", "The client closed the connection.", options);
  }
}

/** True when `error`, or the reason `signal` was aborted with, is the client going away. */
export function isClientAbort(error: unknown, signal?: AbortSignal): boolean {
  return error instanceof ClientAbortedError || signal?.reason instanceof ClientAbortedError;
}

/**
 * The one place an unknown error becomes a gateway error: gateway errors pass through, a client abort stays
 * one, anything else is a 500 `internal_error` whose message is never shown to the client.
 */
export function toGatewayError(error: unknown, signal?: AbortSignal): GatewayError {
  if (error instanceof GatewayError) return error;
  if (signal?.reason instanceof ClientAbortedError) return signal.reason;
  return new InternalError("internal_error", "Internal server error", { cause: error });
}

/** The JSON body every error response carries. */
export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string };
}

export function toErrorEnvelope(error: GatewayError): ErrorEnvelope {
  const message =
    error.status >= 500 && error.type === "internal_error" ? "Internal server error" : error.message;
  return { error: { message, type: error.type, param: error.param, code: error.code } };
}
