import {
  errors,
  INPUT_ERRORS,
  json,
  jsonOrEventStream,
  modelVersionParameter,
  type PathContext,
  type PathItems,
  schemaRef,
  UPSTREAM_ERRORS,
} from "../operation-parts.ts";

/** `output_format`'s answers besides JSON: a searchable PDF, ALTO XML, hOCR. */
function withArchiveFormats(response: ReturnType<typeof jsonOrEventStream>) {
  return {
    ...response,
    content: {
      ...response.content,
      "application/pdf": { schema: { type: "string", format: "binary" } },
      "application/xml": { schema: { type: "string", description: "ALTO 4.4 (`output_format: alto`)." } },
      "text/html": { schema: { type: "string", description: "hOCR 1.2 XHTML (`output_format: hocr`)." } },
    },
  };
}

/** `POST /v1/ocr` and `GET /v1/tasks`. */
export function ocrPaths({ secured, authErrors }: PathContext): PathItems {
  return {
    "/v1/ocr": {
      post: secured({
        operationId: "createOcr",
        parameters: [modelVersionParameter],
        tags: ["OCR"],
        summary: "Read a document with a task (text, document, fields, translate, spotting, …)",
        description:
          "Mistral-compatible OCR: a document in (multipart upload or JSON with a URL), clean JSON out; " +
          "Server-Sent Events with `stream: true` (events `page.start`, `delta`, `page.retry`, `page.done`, " +
          "`done`, and `error` for a failure mid-stream, in the error envelope shape; `page.done` carries the " +
          "page with its `text_lines` and `confidence`). Every check of the request (pages, schema, variables) " +
          "comes before a backend's 501 for a task it cannot run.",
        requestBody: {
          required: true,
          content: {
            "application/json": { schema: schemaRef("OcrRequest") },
            "multipart/form-data": {
              schema: schemaRef("OcrForm"),
              encoding: {
                file: { contentType: "image/*, application/pdf, video/*, application/octet-stream" },
              },
            },
          },
        },
        responses: {
          "200": withArchiveFormats(
            jsonOrEventStream(
              "The OCR result (JSON), its events (`stream: true`), or an archive format (`output_format`).",
              "OcrResponse",
              "`event: <name>` / `data: <JSON>` frames.",
            ),
          ),
          ...errors(
            ...INPUT_ERRORS,
            ...authErrors,
            "UnprocessableEntity",
            "NotImplemented",
            ...UPSTREAM_ERRORS,
          ),
        },
      }),
    },
    "/v1/tasks": {
      get: secured({
        operationId: "listTasks",
        tags: ["OCR"],
        summary: "Every task /v1/ocr accepts, and whether the configured backend runs it",
        responses: { "200": json("The tasks.", schemaRef("TaskList")), ...errors(...authErrors) },
      }),
    },
  };
}
