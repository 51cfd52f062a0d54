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

function errorClass(status: number, type: string): Subclass {
  return class extends GatewayError {
    constructor(code: string, message: string, options?: GatewayErrorOptions) {
      super(status, type, code, message, options);
    }
  };
}

/** 400: the request is malformed or asks for something impossible. */
export const BadRequestError = errorClass(400, "invalid_request_error");
/** 401: no or wrong credentials. */
export const AuthenticationError = errorClass(401, "authentication_error");
/** 403: credentials are valid but not allowed to do this. */
export const PermissionDeniedError = errorClass(403, "permission_error");
/** 404: unknown model, task or route. */
export const NotFoundError = errorClass(404, "not_found_error");
/** 409: the resource is not in a state that allows this (e.g. cancelling a finished job). */
export const ConflictError = errorClass(409, "invalid_request_error");
/** 413: body, file or image over a configured limit. */
export const PayloadTooLargeError = errorClass(413, "invalid_request_error");
/** 415: a media type the gateway cannot read. */
export const UnsupportedMediaTypeError = errorClass(415, "invalid_request_error");
/** 422: well-formed but unprocessable (e.g. a JSON schema vLLM cannot honour). */
export const UnprocessableEntityError = errorClass(422, "invalid_request_error");
/** 429: queue full or rate limited; carries `retry-after`. */
export const RateLimitError = errorClass(429, "rate_limit_error");
/** 501: the configured backend cannot do this task. */
export const NotImplementedError = errorClass(501, "not_implemented_error");
/** 502: the upstream answered with something unusable. */
export const BadGatewayError = errorClass(502, "upstream_error");
/** 503: no upstream available / shutting down. */
export const ServiceUnavailableError = errorClass(503, "service_unavailable_error");
/** 504: an upstream timeout. */
export const GatewayTimeoutError = errorClass(504, "timeout_error");
/** 500: a bug; its message is never sent to the client. */
export const InternalError = errorClass(500, "internal_error");

/** The JSON body every error response carries. */
export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string };
}

export function toErrorEnvelope(error: GatewayError): ErrorEnvelope {
  const message =
    error.status >= 500 && error.type === "internal_error" ? "Internal server error" : error.message;
  return { error: { message, type: error.type, param: error.param, code: error.code } };
}
