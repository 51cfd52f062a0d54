import type { ChatBackend } from "../backends/backend.ts";
import { ownerCachePolicy } from "../cache/owner-cache-policy.ts";
import { chatRequestSchema } from "../chat/chat-request.ts";
import { type ChatPreparationDependencies, prepareChatRequest } from "../chat/prepare-chat-request.ts";
import { BadRequestError, GatewayError, toErrorEnvelope } from "../errors.ts";
import { validate } from "../json/validate.ts";
import { ocrInputFromJson } from "../ocr/ocr-input.ts";
import { type OcrServiceDependencies, prepareOcrJob } from "../ocr/ocr-service.ts";
import { type BatchLineResult, newBatchRequestId } from "./batch-line-result.ts";
import type { BatchEndpoint } from "./batch-record.ts";

export type BatchLineDependencies = OcrServiceDependencies &
  ChatPreparationDependencies & { backend: ChatBackend };

export interface BatchLineRequest {
  endpoint: BatchEndpoint;
  custom_id: string;
  body: Record<string, unknown>;
  /** The batch's owner (`kind:id`): `/v1/ocr` lines read and fill that owner's result cache. */
  owner: string;
  /** The batch's model, used when the body names none (Mistral's batch `model`). */
  model: string | null;
  requestId: string;
  signal: AbortSignal;
}

interface Answer {
  status: number;
  body: unknown;
  usage: { input_tokens: number; output_tokens: number };
}

/** Statuses worth another try later (queue full, no upstream, upstream failures), not a final line result. */
export function isTransientFailure(error: unknown): boolean {
  return error instanceof GatewayError && [429, 502, 503, 504].includes(error.status);
}

function refuseStreaming(body: Record<string, unknown>): void {
  if (body.stream === true) {
    throw new BadRequestError("stream_not_supported", "Batch requests cannot stream; drop `stream`.", {
      param: "stream",
    });
  }
}

async function answerOcr(deps: BatchLineDependencies, line: BatchLineRequest): Promise<Answer> {
  refuseStreaming(line.body);
  const input = ocrInputFromJson({ ...(line.model ? { model: line.model } : {}), ...line.body });
  const job = await prepareOcrJob(deps, {
    ...input,
    cache: ownerCachePolicy(line.owner),
    requestId: line.requestId,
    signal: line.signal,
  });
  const response = await job.run();
  return {
    status: 200,
    body: response,
    usage: { input_tokens: response.usage.prompt_tokens, output_tokens: response.usage.completion_tokens },
  };
}

async function answerChat(deps: BatchLineDependencies, line: BatchLineRequest): Promise<Answer> {
  refuseStreaming(line.body);
  const request = validate({ ...(line.model ? { model: line.model } : {}), ...line.body }, chatRequestSchema);
  const prepared = await prepareChatRequest(deps, request, line.signal);
  const { response } = await deps.backend.chatCompletion(prepared, {
    requestId: line.requestId,
    signal: line.signal,
  });
  const body = (await response.json()) as { usage?: { prompt_tokens?: number; completion_tokens?: number } };
  return {
    status: response.status,
    body,
    usage: {
      input_tokens: body.usage?.prompt_tokens ?? 0,
      output_tokens: body.usage?.completion_tokens ?? 0,
    },
  };
}

/**
 * Runs one batch line through the same code as the synchronous route (`prepareOcrJob` for `/v1/ocr`, the
 * chat preparation and backend for `/v1/chat/completions`). A caller's mistake becomes the line's result with
 * the status and error body the route would have answered; transient failures (see `isTransientFailure`)
 * are thrown so that the work queue tries the line again later.
 */
export async function runBatchLine(
  deps: BatchLineDependencies,
  line: BatchLineRequest,
): Promise<BatchLineResult> {
  const base = { id: newBatchRequestId(), custom_id: line.custom_id, request_id: line.requestId };
  try {
    const answer = await (line.endpoint === "/v1/ocr" ? answerOcr(deps, line) : answerChat(deps, line));
    return { ...base, status_code: answer.status, body: answer.body, error: null, usage: answer.usage };
  } catch (error) {
    if (isTransientFailure(error) || line.signal.aborted || !(error instanceof GatewayError)) throw error;
    return {
      ...base,
      status_code: error.status,
      body: toErrorEnvelope(error),
      error: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
  }
}

/** The final result of a line whose transient failures outlasted its retries. */
export function failedLineResult(line: Pick<BatchLineRequest, "custom_id" | "requestId">, error: unknown) {
  const status = error instanceof GatewayError ? error.status : 500;
  const envelope =
    error instanceof GatewayError
      ? toErrorEnvelope(error)
      : {
          error: {
            message: "Internal server error",
            type: "internal_error",
            param: null,
            code: "internal_error",
          },
        };
  return {
    id: newBatchRequestId(),
    custom_id: line.custom_id,
    request_id: line.requestId,
    status_code: status,
    body: envelope,
    error: null,
    usage: { input_tokens: 0, output_tokens: 0 },
  } satisfies BatchLineResult;
}
