import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** The labelled receipts that ship with the repository (a clone has them; the Docker image does not). */
export const BUNDLED_SROIE_SAMPLE = path.resolve(import.meta.dirname, "../../test/fixtures/sroie");

/**
 * One receipt of an SROIE-style folder: `NNN.jpg` (or .png/.pdf) plus `NNN.boxes.csv` (8 corner coordinates,
 * transcript) and optionally `NNN.fields.json` (key fields).
 */
export interface SroieReceipt {
  id: string;
  imagePath: string;
  /** Transcripts sorted by top-left y, then x, joined with newlines (the CER reference). */
  truth: string;
  /** Expected key fields, when the folder has `NNN.fields.json`. */
  fields?: Record<string, string>;
}

interface TruthBox {
  x: number;
  y: number;
  text: string;
}

/** Parses a boxes.csv; the transcript is everything after the eighth comma (it may contain commas). */
export function parseSroieBoxes(csv: string): TruthBox[] {
  const boxes: TruthBox[] = [];
  for (const line of csv.split(/\r?\n/)) {
    const fields = line.split(",");
    if (fields.length < 9) continue;
    const coordinates = fields.slice(0, 8).map(Number);
    if (coordinates.some(Number.isNaN)) continue;
    boxes.push({ x: coordinates[0] as number, y: coordinates[1] as number, text: fields.slice(8).join(",") });
  }
  return boxes;
}

/** Truth text of a boxes.csv following the CER recipe: sorted by top-left y then x, joined by newlines. */
export function sroieTruthText(csv: string): string {
  return parseSroieBoxes(csv)
    .sort((a, b) => a.y - b.y || a.x - b.x)
    .map((box) => box.text)
    .join("\n");
}

const DOCUMENT = /^(\w+)\.(jpe?g|png|webp|tiff?|pdf)$/i;

/** Lists the receipts of a folder in name order (images with a matching boxes.csv only). */
export async function loadSroieSample(folder: string): Promise<SroieReceipt[]> {
  const names = (await readdir(folder)).filter((name) => DOCUMENT.test(name)).sort();
  const receipts: SroieReceipt[] = [];
  for (const name of names) {
    const id = name.replace(DOCUMENT, "$1");
    const csv = await readFile(path.join(folder, `${id}.boxes.csv`), "utf8").catch(() => null);
    if (csv == null) continue;
    const fieldsJson = await readFile(path.join(folder, `${id}.fields.json`), "utf8").catch(() => null);
    const receipt: SroieReceipt = { id, imagePath: path.join(folder, name), truth: sroieTruthText(csv) };
    if (fieldsJson != null) receipt.fields = JSON.parse(fieldsJson) as Record<string, string>;
    receipts.push(receipt);
  }
  return receipts;
}
