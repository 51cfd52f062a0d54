import { readFile } from "node:fs/promises";
import path from "node:path";
import { fieldsMatch } from "./field-match.ts";
import { orderFreeCharacterErrors } from "./order-free-cer.ts";
import type { SroieReceipt } from "./sroie-dataset.ts";
import { characterErrors, type ErrorCount, errorRate, wordErrors } from "./text-metrics.ts";

/** Anything that answers requests like a Hono app (`app.request`): the gateway's own code path, no socket. */
export interface RequestHandler {
  request(input: string, init: RequestInit): Response | Promise<Response>;
}

export type EvalTask = "text" | "fields";

export interface DocumentScore {
  id: string;
  ms: number;
  cer?: number;
  /** CER with the reference's lines matched in any order (see `order-free-cer.ts`). */
  cerAnyOrder?: number;
  wer?: number;
  /** Per key: did the extracted value match exactly (after normalisation)? */
  fields?: Record<string, boolean>;
  error?: string;
}

export interface EvalReport {
  dataset: string;
  task: EvalTask;
  backend: string;
  documents: number;
  failed: number;
  seconds: number;
  pagesPerSecond: number;
  /** Corpus CER and WER (errors summed over documents / reference length summed), text task only. */
  cer?: number;
  cerAnyOrder?: number;
  wer?: number;
  /** Exact-match accuracy per key, fields task only. */
  fieldAccuracy?: Record<string, { correct: number; total: number; accuracy: number }>;
  perDocument: DocumentScore[];
}

interface OcrAnswer {
  text?: string;
  backend?: string;
  fields?: Record<string, unknown> | null;
  error?: { code: string; message: string };
}

async function ask(app: RequestHandler, receipt: SroieReceipt, task: EvalTask): Promise<OcrAnswer> {
  const form = new FormData();
  const bytes = await readFile(receipt.imagePath);
  form.set("file", new Blob([new Uint8Array(bytes)]), path.basename(receipt.imagePath));
  form.set("task", task);
  if (task === "fields") form.set("fields", JSON.stringify(Object.keys(receipt.fields ?? {})));
  const response = await app.request("/v1/ocr", { method: "POST", body: form });
  return (await response.json()) as OcrAnswer;
}

/**
 * Sends every document of a labelled folder through `/v1/ocr` and scores the answers: CER (in the
 * reference's order and in any order) and WER for `text` (see `text-metrics.ts` for the normalisation, `order-free-cer.ts` for the second CER), exact-match accuracy per key for `fields`.
 * Documents are read one at a time so pages/second is the backend's sequential speed.
 */
export async function runEval(
  app: RequestHandler,
  receipts: readonly SroieReceipt[],
  options: {
    dataset: string;
    task: EvalTask;
    onProgress?: (done: number, total: number, id: string) => void;
  },
): Promise<EvalReport> {
  const perDocument: DocumentScore[] = [];
  const characters: ErrorCount[] = [];
  const charactersAnyOrder: ErrorCount[] = [];
  const words: ErrorCount[] = [];
  const keys = new Map<string, { correct: number; total: number }>();
  let backend = "unknown";
  const started = performance.now();
  for (const [index, receipt] of receipts.entries()) {
    const begin = performance.now();
    const answer = await ask(app, receipt, options.task);
    const score: DocumentScore = { id: receipt.id, ms: Math.round(performance.now() - begin) };
    backend = answer.backend ?? backend;
    if (answer.error) {
      score.error = `${answer.error.code}: ${answer.error.message}`;
    } else if (options.task === "text") {
      const chars = characterErrors(receipt.truth, answer.text ?? "");
      const anyOrder = orderFreeCharacterErrors(receipt.truth, answer.text ?? "");
      const wordCount = wordErrors(receipt.truth, answer.text ?? "");
      characters.push(chars);
      charactersAnyOrder.push(anyOrder);
      words.push(wordCount);
      score.cer = errorRate([chars]);
      score.cerAnyOrder = errorRate([anyOrder]);
      score.wer = errorRate([wordCount]);
    } else {
      score.fields = {};
      for (const [key, expected] of Object.entries(receipt.fields ?? {})) {
        const ok = fieldsMatch(expected, answer.fields?.[key]);
        score.fields[key] = ok;
        const tally = keys.get(key) ?? { correct: 0, total: 0 };
        tally.total++;
        if (ok) tally.correct++;
        keys.set(key, tally);
      }
    }
    perDocument.push(score);
    options.onProgress?.(index + 1, receipts.length, receipt.id);
  }
  const seconds = (performance.now() - started) / 1000;
  const report: EvalReport = {
    dataset: options.dataset,
    task: options.task,
    backend,
    documents: receipts.length,
    failed: perDocument.filter((score) => score.error !== undefined).length,
    seconds: Math.round(seconds * 100) / 100,
    pagesPerSecond: Math.round((receipts.length / seconds) * 1000) / 1000,
    perDocument,
  };
  if (options.task === "text") {
    report.cer = errorRate(characters);
    report.cerAnyOrder = errorRate(charactersAnyOrder);
    report.wer = errorRate(words);
  } else {
    report.fieldAccuracy = Object.fromEntries(
      [...keys].map(([key, tally]) => [
        key,
        { ...tally, accuracy: tally.total ? tally.correct / tally.total : 0 },
      ]),
    );
  }
  return report;
}
