import { BadRequestError } from "../errors.ts";
import { validate } from "../json/validate.ts";
import { type OcrRequest, ocrRequestSchema } from "./ocr-request.ts";
import type { DocumentSource } from "./ocr-types.ts";

/** A `/v1/ocr` request and the document it reads, whichever way it arrived (route, job, batch line). */
export interface OcrInput {
  request: OcrRequest;
  source: DocumentSource;
  /** Which request shape was used: it decides the default task (see `requestedTaskName`). */
  shape: "multipart" | "json";
}

/** Where a JSON request's `document` points (a 400 when it is missing or an uploaded-file reference). */
export function documentSource(request: OcrRequest): DocumentSource {
  const document = request.document;
  if (!document) {
    throw new BadRequestError("missing_document", "`document` is required: an image_url or document_url.", {
      param: "document",
    });
  }
  if (document.type === "file") {
    throw new BadRequestError(
      "unsupported_document_type",
      "Uploaded file ids are not supported; send a URL or a data: URL.",
      { param: "document.type" },
    );
  }
  if (document.type === "image_url") {
    const url = typeof document.image_url === "string" ? document.image_url : document.image_url.url;
    return { kind: "url", url, name: undefined };
  }
  return { kind: "url", url: document.document_url, name: document.document_name ?? undefined };
}

/** A Mistral-style JSON request body, already parsed (a batch line's `body`): validated, its document located. */
export function ocrInputFromJson(body: unknown): OcrInput {
  const request = validate(body, ocrRequestSchema);
  return { request, source: documentSource(request), shape: "json" };
}
