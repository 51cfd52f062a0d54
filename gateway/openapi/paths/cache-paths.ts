import type { Operation, PathItems } from "../operation-parts.ts";

const deletedSchema = {
  type: "object",
  required: ["deleted"],
  properties: { deleted: { type: "integer", minimum: 0, description: "Cached page answers removed." } },
};

/**
 * `DELETE /v1/cache` and `DELETE /v1/cache/{sha256}`. `secured` adds the API's security; `errors` are the
 * shared error responses of these routes (400, 401 when keys are set, 503 when Redis is unreachable).
 */
export function cachePaths(
  secured: (operation: Operation) => Operation,
  errors: Record<string, unknown>,
): PathItems {
  const deleted = {
    description: "The purge is done.",
    headers: { "x-request-id": { $ref: "#/components/headers/RequestId" } },
    content: { "application/json": { schema: deletedSchema } },
  };
  const about =
    "`/v1/ocr` answers come from a result cache when the same page was read before with the same task, " +
    "options, model and prompts (header `x-cache: hit`, `partial` or `miss`; `Cache-Control: no-cache` " +
    "reads afresh, `no-store` keeps the answer out). Entries belong to the caller's API key or JWT subject.";
  return {
    "/v1/cache": {
      delete: secured({
        operationId: "purgeCache",
        tags: ["OCR"],
        summary: "Forget every cached answer of the caller",
        description: about,
        responses: { "200": deleted, ...errors },
      }),
    },
    "/v1/cache/{sha256}": {
      delete: secured({
        operationId: "purgeCachedDocument",
        tags: ["OCR"],
        summary: "Forget the caller's cached answers of one document",
        description: `${about} The document is named by the SHA-256 of its bytes, as in the \`x-document-sha256\` header of its answer.`,
        parameters: [
          {
            name: "sha256",
            in: "path",
            required: true,
            schema: { type: "string", pattern: "^[0-9a-fA-F]{64}$" },
          },
        ],
        responses: { "200": deleted, ...errors },
      }),
    },
  };
}
