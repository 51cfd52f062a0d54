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
