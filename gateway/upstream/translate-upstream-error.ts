import {
  BadGatewayError,
  BadRequestError,
  type GatewayError,
  NotFoundError,
  ServiceUnavailableError,
  UnprocessableEntityError,
} from "../errors.ts";

import { isEngineDeathMessage } from "./error-answer-verdict.ts";

/** Upstream text kept in a gateway error: vLLM may echo a whole image (`original_bytes=b'…'`) in a message. */
export const MAX_UPSTREAM_TEXT_CHARS = 500;

/** Cuts upstream text (an error message) to `MAX_UPSTREAM_TEXT_CHARS`, marking the cut. */
export function truncateUpstreamText(text: string, max = MAX_UPSTREAM_TEXT_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

/** Reads `message` from vLLM's nested (≥0.10.1) or flat (older) error bodies, or FastAPI's `detail`. */
export function upstreamErrorMessage(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object") {
      const record = parsed as Record<string, unknown>;
      const nested = record.error;
      if (nested && typeof nested === "object") {
        const message = (nested as Record<string, unknown>).message;
        if (typeof message === "string") return message;
      }
      if (typeof nested === "string") return nested;
      if (typeof record.message === "string") return record.message;
      if (typeof record.detail === "string") return record.detail;
    }
  } catch {
    // Not JSON: treated as having no usable message.
  }
  return undefined;
}

const clientMistakes: Array<[RegExp, string]> = [
  [/At most \d+ image\(s\) may be provided/i, "too_many_images"],
  [
    /maximum (model|context) length|longer than the maximum model length|max_tokens.*too large/i,
    "context_length_exceeded",
  ],
  [
    /not supported by xgrammar|transform json schema into a grammar|Invalid JSON grammar/i,
    "unsupported_schema",
  ],
  [/aspect ratio/i, "image_aspect_ratio_too_large"],
  [/image|decode/i, "invalid_image"],
];

/**
 * Turns an upstream (vLLM) error answer into the gateway's own error. A 4xx caused by the request keeps
 * vLLM's message (it tells the caller what to fix); anything else becomes a 502/503 that names the upstream
 * without echoing its raw body.
 */
export function translateUpstreamError(status: number, body: string): GatewayError {
  const full = upstreamErrorMessage(body);
  const message = full === undefined ? undefined : truncateUpstreamText(full);
  if (status === 400 || status === 422) {
    const text = message ?? "The model server rejected the request.";
    const code = clientMistakes.find(([pattern]) => pattern.test(text))?.[1] ?? "upstream_bad_request";
    const ErrorClass = code === "unsupported_schema" ? UnprocessableEntityError : BadRequestError;
    return new ErrorClass(code, text);
  }
  if (status === 404) {
    return new BadGatewayError(
      "upstream_model_not_found",
      `The model server does not serve the configured model (${message ?? "404"}); check MODEL.`,
    );
  }
  if (status === 401 || status === 403) {
    return new BadGatewayError(
      "upstream_auth_failed",
      "The model server refused the gateway's credentials; check VLLM_API_KEY.",
      { retryable: false },
    );
  }
  if (status === 503 || status === 429) {
    return new ServiceUnavailableError(
      "upstream_unavailable",
      "The model server is unavailable; try again shortly.",
      {
        headers: { "retry-after": "1" },
      },
    );
  }
  if (status >= 500 && (body.trim() === "" || isEngineDeathMessage(body))) {
    return new ServiceUnavailableError(
      "upstream_engine_dead",
      "The model server's engine stopped while holding this request; try again shortly.",
      { headers: { "retry-after": "1" } },
    );
  }
  return new BadGatewayError("upstream_error", `The model server failed (HTTP ${status}).`);
}

/** A 404 for a model name the gateway itself does not know. */
export function unknownModelError(model: string, known: readonly string[]): GatewayError {
  return new NotFoundError(
    "model_not_found",
    `The model \`${model}\` does not exist. Known models: ${known.join(", ")}.`,
    {
      param: "model",
    },
  );
}
