import type { PageResult } from "./ocr-types.ts";

export interface OcrResponse {
  id: string;
  object: "ocr";
  model: string;
  task: string;
  backend: string;
  /** All pages' text, joined by a blank line (what the seed's client reads). */
  text: string;
  pages: PageResult[];
  /** Field extraction: the fields of all pages merged (first non-empty value per key wins). */
  fields?: Record<string, unknown> | null;
  /** Mistral's document annotation: the fields as a JSON string, or null. */
  document_annotation: string | null;
  usage_info: { pages_processed: number; doc_size_bytes: number };
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

function mergeFields(pages: readonly PageResult[]): Record<string, unknown> | null {
  const withFields = pages.filter((page) => page.fields != null);
  if (withFields.length === 0) return null;
  const merged: Record<string, unknown> = {};
  for (const page of withFields) {
    for (const [key, value] of Object.entries(page.fields ?? {})) {
      const current = merged[key];
      if (current == null || current === "") merged[key] = value;
    }
  }
  return merged;
}

/** The whole `/v1/ocr` answer, in Mistral's OCR response shape extended with the gateway's fields. */
export function buildOcrResponse(input: {
  requestId: string;
  model: string;
  task: string;
  backend: string;
  structured: boolean;
  pages: PageResult[];
  docSizeBytes: number;
}): OcrResponse {
  const { pages } = input;
  const promptTokens = pages.reduce((sum, page) => sum + page.usage.prompt_tokens, 0);
  const completionTokens = pages.reduce((sum, page) => sum + page.usage.completion_tokens, 0);
  const fields = input.structured ? mergeFields(pages) : undefined;
  return {
    id: `ocr-${input.requestId}`,
    object: "ocr",
    model: input.model,
    task: input.task,
    backend: input.backend,
    text: pages.map((page) => page.text).join("\n\n"),
    pages,
    ...(fields !== undefined ? { fields } : {}),
    document_annotation: fields ? JSON.stringify(fields) : null,
    usage_info: { pages_processed: pages.length, doc_size_bytes: input.docSizeBytes },
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
  };
}
