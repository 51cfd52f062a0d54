import { ownerCachePolicy } from "../cache/owner-cache-policy.ts";
import { chatRequestSchema } from "../chat/chat-request.ts";
import {
  type ChatPreparationDependencies,
  prepareVersionedChatRequest,
} from "../chat/prepare-chat-request.ts";
import { BadRequestError, GatewayError, toErrorEnvelope } from "../errors.ts";
import { validate } from "../json/validate.ts";
import { ocrInputFromJson } from "../ocr/ocr-input.ts";
import { type OcrServiceDependencies, prepareOcrJob } from "../ocr/ocr-service.ts";
import {
  type ArchiveFormat,
  archiveFileName,
  describeArchiveFormat,
  isArchiveFormat,
} from "../output-formats/output-format.ts";
import { renderArchiveFormat } from "../output-formats/render-archive-format.ts";
import { checkSearchablePdfInput } from "../output-formats/searchable-pdf.ts";
import type { ModelRelease } from "../release/model-release.ts";
import { gatewaySoftware } from "../version.ts";
import { type BatchLineResult, newBatchRequestId } from "./batch-line-result.ts";
import type { BatchEndpoint } from "./batch-record.ts";

export type BatchLineDependencies = OcrServiceDependencies &
  ChatPreparationDependencies & { release: ModelRelease };

/** A rendered archive file of a line (searchable PDF, ALTO, hOCR), to be kept as a file of the batch's owner. */
export interface LineOutputFile {
  format: ArchiveFormat;
  contentType: string;
  filename: string;
  data: Uint8Array;
}

/** Keeps a line's archive file (as a `/v1/files` file) and answers its id and the name it was stored under. */
export type SaveLineOutput = (file: LineOutputFile) => Promise<{ fileId: string; filename: string }>;

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
  /** Where a line asking for `output_format` pdf/alto/hocr keeps its file; without it, such lines are a 400. */
  saveOutput?: SaveLineOutput | undefined;
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
  const { request, source } = input;
  const job = await prepareOcrJob(deps, {
    ...input,
    cache: ownerCachePolicy(line.owner),
    requestId: line.requestId,
    signal: line.signal,
    rendersArchiveFormats: line.saveOutput !== undefined,
  });
  const format = request.output_format;
  if (format === "pdf") {
    // A document that cannot become a searchable PDF is answered now, before its pages are read.
    await checkSearchablePdfInput(job.bytes).catch(async (error: unknown) => {
      await job.close();
      throw error;
    });
  }
  const response = await job.run();
  const usage = {
    input_tokens: response.usage.prompt_tokens,
    output_tokens: response.usage.completion_tokens,
  };
  if (!isArchiveFormat(format) || !line.saveOutput) return { status: 200, body: response, usage };
  const data = await renderArchiveFormat(
    format,
    { response, bytes: job.bytes, name: source.name, software: gatewaySoftware() },
    deps.ocr.imageLimits,
  );
  const { contentType } = describeArchiveFormat(format);
  const saved = await line.saveOutput({
    format,
    contentType,
    filename: archiveFileName(format, source.name ?? line.custom_id),
    data,
  });
  return { status: 200, body: { ...response, output: lineOutputObject(saved, format, data) }, usage };
}

/**
 * The `output` entry of an archive line's body: batch output lines are JSON, so the file itself is a
 * `/v1/files` file (`files.content(file_id)` downloads it), kept as long as the batch's output file.
 */
function lineOutputObject(
  saved: { fileId: string; filename: string },
  format: ArchiveFormat,
  data: Uint8Array,
) {
  return {
    object: "ocr.output_file",
    format,
    content_type: describeArchiveFormat(format).contentType,
    filename: saved.filename,
    bytes: data.length,
    file_id: saved.fileId,
  };
}

async function answerChat(deps: BatchLineDependencies, line: BatchLineRequest): Promise<Answer> {
  refuseStreaming(line.body);
  const request = validate({ ...(line.model ? { model: line.model } : {}), ...line.body }, chatRequestSchema);
  // The line's request id keeps each line on one version; the weights still split the lines.
  const { version, request: prepared } = await prepareVersionedChatRequest(deps, request, line.signal, {
    fallbackKey: line.requestId,
  });
  const { response } = await version.chat.chatCompletion(prepared, {
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
