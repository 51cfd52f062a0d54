import { readFileSync } from "node:fs";
import path from "node:path";

/** Real SROIE receipt scans with their ground truth, kept in the repository (see its README.md). */
export const SROIE_DIR = path.resolve(import.meta.dirname, "../fixtures/sroie");

export function receiptPath(id: string): string {
  return path.join(SROIE_DIR, `${id}.jpg`);
}

export function readReceipt(id = "000"): Buffer {
  return readFileSync(receiptPath(id));
}

export function receiptDataUrl(id = "000"): string {
  return `data:image/jpeg;base64,${readReceipt(id).toString("base64")}`;
}

/** A spotting answer's page for receipt 000 (one line with its box), as the job store keeps a page result. */
export const spottedReceiptPage = {
  index: 0,
  markdown: "TOTAL 9.00",
  text: "TOTAL 9.00",
  images: [],
  dimensions: { width: 463, height: 1013, dpi: 72 },
  boxes: [{ text: "TOTAL 9.00", box: { x1: 40, y1: 600, x2: 400, y2: 630 } }],
  finish_reason: "stop",
  retried: false,
  warnings: [],
  error: null,
  usage: { prompt_tokens: 1, completion_tokens: 1 },
};
