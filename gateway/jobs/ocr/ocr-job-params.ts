import type { CacheDirectives } from "../../cache/owner-cache-policy.ts";
import type { OcrRequest } from "../../ocr/ocr-request.ts";
import type { PageResult } from "../../ocr/ocr-types.ts";

/** The `type` of single-document OCR jobs in the store. */
export const OCR_JOB_TYPE = "ocr";
/** One page of an OCR job: rendered and read as one unit of work. */
export const OCR_PAGE_KIND = "ocr_page";
/** Builds the job's answer from its pages once every page is settled. */
export const OCR_FINALIZE_KIND = "ocr_finalize";

/** What an OCR job keeps to read its pages later, on any replica. */
export interface OcrJobParams {
  /** The `/v1/ocr` options, without the document (stored as the job's input) and `stream`. */
  request: OcrRequest;
  shape: "multipart" | "json";
  task: string;
  /** The document page index of each unit, by unit `seq`. */
  pages: number[];
  docSizeBytes: number;
  /** The uploaded file's name (for the name of an archive output file); absent for URLs and older jobs. */
  documentName?: string;
  /** What the creating request's `Cache-Control` let the result cache do (absent in older jobs: both). */
  cache?: CacheDirectives;
}

/** The `ocr_page` unit's payload. */
export interface OcrPagePayload {
  /** 0-based page index in the document. */
  index: number;
}

/** A page that could not be read, in the answer's page shape (so a 300-page job does not fail for one page). */
export function failedPage(index: number, error: { code: string; message: string }): PageResult {
  return {
    index,
    markdown: "",
    text: "",
    images: [],
    dimensions: { width: 0, height: 0, dpi: 0 },
    finish_reason: "error",
    retried: false,
    warnings: [],
    error,
    usage: { prompt_tokens: 0, completion_tokens: 0 },
  };
}
