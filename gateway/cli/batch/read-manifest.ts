import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import type { BatchDocument, Discovery, SkippedInput } from "./batch-document.ts";
import { type DocumentOptions, documentOptionsSchema, mergeOptions } from "./document-options.ts";

/** Whether the input names a manifest (by extension) rather than a folder or a glob. */
export function isManifestPath(input: string): boolean {
  return /\.(csv|jsonl|ndjson)$/i.test(input);
}

const lineSchema = z.looseObject({
  path: z.string().min(1).optional(),
  url: z.string().min(1).optional(),
  /** Overrides where the outputs go: a relative path under `--out`, without the format's extension. */
  output: z.string().min(1).optional(),
});

/** An output key from a URL: `urls/<host>/<path>`, with characters a file system dislikes replaced. */
function urlKey(url: URL): string {
  const pathname = url.pathname.endsWith("/") ? `${url.pathname}index` : url.pathname;
  const query = url.search ? `_${Buffer.from(url.search).toString("base64url").slice(0, 24)}` : "";
  return `urls/${url.host}${pathname}${query}`.replace(/[^\w./-]/g, "_");
}

/** A key inside the output folder whatever the path: `..` and absolute roots cannot escape it. */
function safeKey(raw: string): string | null {
  const parts = raw.split(/[\\/]+/).filter((part) => part !== "" && part !== ".");
  if (parts.length === 0 || parts.some((part) => part === "..")) return null;
  return parts.join("/");
}

function fileKey(baseDir: string, file: string): string {
  const relative = path.relative(baseDir, file);
  if (!relative.startsWith("..") && !path.isAbsolute(relative)) return relative.split(path.sep).join("/");
  return `external/${file.split(path.sep).filter(Boolean).join("/")}`;
}

function readLines(text: string, csv: boolean): Array<{ line: number; value: unknown }> {
  if (csv) {
    const rows = parseCsv(text, {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as Array<Record<string, string>>;
    // An empty cell is an unset column, as an absent key is in JSONL.
    return rows.map((row, index) => ({
      line: index + 2,
      value: Object.fromEntries(Object.entries(row).filter(([, value]) => value !== "")),
    }));
  }
  return text
    .split("\n")
    .map((raw, index) => ({ line: index + 1, raw: raw.trim() }))
    .filter(({ raw }) => raw.length > 0)
    .map(({ line, raw }) => {
      try {
        return { line, value: JSON.parse(raw) as unknown };
      } catch {
        return { line, value: Symbol.for("invalid-json") };
      }
    });
}

/**
 * Reads a CSV (with a header row) or JSONL manifest: one document a line, `path` (relative to the manifest)
 * or `url`, optional `output`, and any of the `/v1/ocr` options (`task`, `pages`, `language`, `fields`, …),
 * which override the command line's. Bad lines are reported as failures; the others still run.
 */
export async function readManifest(manifest: string, options: DocumentOptions): Promise<Discovery> {
  const baseDir = path.dirname(path.resolve(manifest));
  const text = await readFile(manifest, "utf8");
  const documents: BatchDocument[] = [];
  const skipped: SkippedInput[] = [];
  const seen = new Set<string>();
  const reject = (line: number, code: string, message: string) =>
    skipped.push({ key: `${path.basename(manifest)}:${line}`, code, message, failure: true });

  for (const { line, value } of readLines(text, /\.csv$/i.test(manifest))) {
    const parsed = lineSchema.safeParse(value);
    const lineOptions = documentOptionsSchema.safeParse(value);
    if (!parsed.success || !lineOptions.success || (parsed.data.path == null) === (parsed.data.url == null)) {
      reject(
        line,
        "invalid_manifest_line",
        "Each line needs exactly one of `path` or `url` (and valid options).",
      );
      continue;
    }
    const { path: file, url, output } = parsed.data;
    let location: BatchDocument["location"];
    let key: string | null;
    if (url != null) {
      let parsedUrl: URL;
      try {
        parsedUrl = new URL(url);
      } catch {
        reject(line, "invalid_manifest_line", "`url` is not a valid URL.");
        continue;
      }
      location = { kind: "url", url };
      key = urlKey(parsedUrl);
    } else {
      const absolute = path.resolve(baseDir, file as string);
      location = { kind: "file", path: absolute };
      key = fileKey(baseDir, absolute);
    }
    if (output != null) key = safeKey(output);
    if (key == null) {
      reject(line, "invalid_manifest_line", "`output` must be a relative path inside the output folder.");
      continue;
    }
    if (seen.has(key)) {
      reject(line, "duplicate_entry", `Another line already writes to "${key}".`);
      continue;
    }
    seen.add(key);
    documents.push({ key, location, options: mergeOptions(options, lineOptions.data as DocumentOptions) });
  }
  return { documents, skipped };
}
