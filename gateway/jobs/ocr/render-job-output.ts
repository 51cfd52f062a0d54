import { GatewayError } from "../../errors.ts";
import type { ImageLimits } from "../../images/image-limits.ts";
import type { OcrResponse } from "../../ocr/ocr-response.ts";
import {
  type ArchiveFormat,
  archiveFileName,
  describeArchiveFormat,
} from "../../output-formats/output-format.ts";
import { renderArchiveFormat } from "../../output-formats/render-archive-format.ts";
import { gatewaySoftware } from "../../version.ts";
import type { FinishJob, JobError } from "../store/job-store.ts";

export interface JobOutputSource {
  format: ArchiveFormat;
  response: OcrResponse;
  /** The job's input document (still stored: the job has not ended). */
  input: Buffer | undefined;
  documentName: string | undefined;
  createdAt: Date;
  limits: ImageLimits;
}

export type RenderedOutput =
  | { ok: true; output: NonNullable<FinishJob["output"]> }
  | { ok: false; error: JobError; cause?: unknown };

/**
 * Renders an OCR job's archive file (searchable PDF, ALTO, hOCR) from its answer and its document, exactly as
 * `/v1/ocr` would have answered. A failure is returned, not thrown: the job then fails with
 * `output_render_failed` (and the renderer's own reason), and no partial file is kept.
 */
export async function renderJobOutput(source: JobOutputSource): Promise<RenderedOutput> {
  const { format } = source;
  if (!source.input) {
    return {
      ok: false,
      error: { code: "output_render_failed", message: "The job's document is no longer stored." },
    };
  }
  try {
    const data = await renderArchiveFormat(
      format,
      {
        response: source.response,
        bytes: source.input,
        name: source.documentName,
        software: gatewaySoftware(),
        createdAt: source.createdAt,
      },
      source.limits,
    );
    return {
      ok: true,
      output: {
        format,
        contentType: describeArchiveFormat(format).contentType,
        filename: archiveFileName(format, source.documentName),
        data,
      },
    };
  } catch (error) {
    const reason =
      error instanceof GatewayError
        ? `${error.message} (${error.code})`
        : "the renderer failed unexpectedly.";
    return {
      ok: false,
      error: { code: "output_render_failed", message: `The ${format} file could not be written: ${reason}` },
      ...(error instanceof GatewayError ? {} : { cause: error }),
    };
  }
}
