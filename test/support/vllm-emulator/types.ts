/** Options of a {@link VllmEmulator}; each mirrors a `vllm serve` flag or a property of the served build. */
export interface EmulatorOptions {
  /** `--served-model-name`; default `["tencent/HunyuanOCR"]`. */
  servedModelNames?: string[];
  /** The model `vllm serve` loaded (a hub id or a local path), reported as every card's `root`. */
  modelPath?: string;
  /** `--max-model-len`; default 20480. */
  maxModelLen?: number;
  /** `--limit-mm-per-prompt '{"image":N}'`; default 1. */
  limitImagesPerPrompt?: number;
  /** `--api-key`: guards paths under `/v1` only. */
  apiKey?: string;
  /** Error body shape; default follows `version` (nested from 0.10.1, flat before). */
  errorShape?: "nested" | "flat";
  /** Reported by `GET /version` (default "0.12.0"); also selects version-dependent behaviour. */
  version?: string;
  /** `--max-num-seqs`: sequences generating at once; the rest wait FIFO without bound. Default 256. */
  maxNumSeqs?: number;
  /** Decode speed per sequence when a script gives no delays; default Infinity (no delay). */
  tokensPerSecond?: number;
  /** Simulated prefill time per image before the first chunk; default 0. */
  prefillMsPerImage?: number;
  /**
   * `--structured-outputs-config.backend`: "auto" (vLLM's default) falls back to guidance when xgrammar
   * cannot compile a schema; "xgrammar" answers 400 instead. Default "auto".
   */
  structuredOutputsBackend?: "auto" | "xgrammar";
  /** Keep only the most recent N recorded requests (bodies can hold megabytes of images). Default 1000. */
  recordLimit?: number;
  host?: string;
  port?: number;
}

/** One scripted answer for the next chat request. */
export interface ScriptedAnswer {
  /** The completion text, split into tokens like the default answerer's. */
  text?: string;
  /** Or the exact token pieces: each becomes one content delta. */
  tokens?: string[];
  /**
   * Log-probability of each token (index-aligned with the tokens, e.g. from `tokens`), reported when the
   * request asks for `logprobs`; tokens without a value get the default pseudo log-probability.
   */
  logprobs?: number[];
  /** Delay before the role chunk and the first token (prefill). */
  firstTokenDelayMs?: number;
  /** Delay between tokens. */
  tokenDelayMs?: number;
  /** Default: "stop", or "length" when max_tokens cuts the text short. */
  finishReason?: "stop" | "length";
  /** Answer with this HTTP error instead; `rawBody` wins over `body`; neither = empty body. */
  httpError?: { status: number; body?: unknown; rawBody?: string };
  /** Destroy the socket after N tokens (streaming: mid-stream; non-streaming: mid-body, or before any byte when 0). */
  dropAfterTokens?: number;
  /** Streaming: an SSE error event after N tokens, then `[DONE]`. Non-streaming: an error body. */
  midStreamError?: { afterTokens: number; message: string; status?: number };
  /** Accept the request and never answer (a streaming request still gets its 200 headers, as in vLLM). */
  hang?: boolean;
}

/** A request as the emulator received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  body: unknown;
  rawBody: string;
  receivedAt: number;
}

export interface TextPart {
  type: "text";
  text: string;
}

export interface ImageUrlPart {
  type: "image_url";
  image_url: { url: string; detail?: string };
}

export type ContentPart = TextPart | ImageUrlPart;

export interface ChatMessage {
  role: string;
  content?: string | ContentPart[] | null;
  [key: string]: unknown;
}

/** A chat completion request after shape validation; unknown keys are kept, as vLLM ignores them. */
export interface ChatRequestBody {
  model?: string | null;
  messages: ChatMessage[];
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean | null; continuous_usage_stats?: boolean | null } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  min_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  skip_special_tokens?: boolean | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  response_format?: {
    type: string;
    json_schema?: { name?: string; schema?: unknown; strict?: boolean };
  } | null;
  structured_outputs?: Record<string, unknown> | null;
  request_id?: string;
  [key: string]: unknown;
}
