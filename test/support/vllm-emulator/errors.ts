import { pyJsonDumps, pyRepr } from "./python-format.ts";

const typeByStatus: Record<number, string> = {
  400: "BadRequestError",
  401: "UnauthorizedError",
  404: "NotFoundError",
  500: "InternalServerError",
  503: "ServiceUnavailableError",
};

/** An error vLLM answers with its ErrorResponse body (`create_error_response`). */
export class VllmError extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly type = typeByStatus[status] ?? "BadRequestError",
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

/**
 * An exception vLLM's handlers do not catch: Starlette's ServerErrorMiddleware answers it with a plain-text
 * `Internal Server Error` and status 500, whatever the request was.
 */
export class UncaughtServerError extends Error {
  readonly status = 500;
  readonly body = "Internal Server Error";
}

/**
 * A pydantic/FastAPI request validation failure: vLLM answers 400 with type "Bad Request" and the repr of
 * the error list as message. `errors` are Python-like dicts (see {@link pyRepr}).
 */
export function validationError(errors: unknown[]): VllmError {
  return new VllmError(pyRepr(errors), 400, "Bad Request");
}

/** A pydantic error for the field at `loc` (path inside the body). */
export function fieldError(loc: (string | number)[], type: string, msg: string): VllmError {
  return validationError([{ type, loc: ["(tuple)", "body", ...loc], msg }]);
}

/** Errors raised while vLLM preprocesses a chat request carry `f"{e} {e.__cause__}"`, usually " None". */
export function preprocessingError(message: string, param: string | null = null): VllmError {
  return new VllmError(`${message} None`, 400, undefined, param);
}

/** The error body as vLLM's JSONResponse sends it (compact JSON). */
export function errorBody(error: VllmError, nested: boolean): Record<string, unknown> {
  const info = { message: error.message, type: error.type, param: error.param, code: error.status };
  return nested ? { error: info } : { object: "error", ...info };
}

/** The error event vLLM writes into a stream: Python json.dumps, so with spaces after separators. */
export function streamErrorData(error: VllmError, nested: boolean): string {
  return pyJsonDumps(errorBody(error, nested));
}
