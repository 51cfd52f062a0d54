import { stat } from "node:fs/promises";
import path from "node:path";
import { glob, isDynamicPattern } from "tinyglobby";
import type { BatchDocument, Discovery, SkippedInput } from "./batch-document.ts";
import { DOCUMENT_EXTENSIONS } from "./batch-document.ts";
import type { DocumentOptions } from "./document-options.ts";

/** The folder part of a glob before its first wildcard: keys (and output paths) are relative to it. */
function globBase(pattern: string): string {
  const segments = pattern.split("/");
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (isDynamicPattern(segment)) break;
    fixed.push(segment);
  }
  return fixed.join("/") || ".";
}

function toKey(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join("/");
}

/**
 * The documents under a folder (recursively) or matching a glob, sorted by path. Hidden files and folders are
 * left out, and so is `exclude` (the output folder when it lies inside the input); files whose extension is
 * not a document's are reported as skipped.
 */
export async function discoverFiles(
  input: string,
  options: DocumentOptions,
  exclude: string,
): Promise<Discovery> {
  const isFolder = await stat(input).then(
    (info) => info.isDirectory(),
    () => false,
  );
  const root = path.resolve(isFolder ? input : globBase(input));
  const files = await glob(isFolder ? "**/*" : input, {
    cwd: isFolder ? root : process.cwd(),
    absolute: true,
    onlyFiles: true,
    dot: false,
  });
  const excluded = path.resolve(exclude);
  const documents: BatchDocument[] = [];
  const skipped: SkippedInput[] = [];
  for (const file of files.sort()) {
    if (file === excluded || file.startsWith(`${excluded}${path.sep}`)) continue;
    const key = toKey(root, file);
    if (!DOCUMENT_EXTENSIONS.has(path.extname(file).toLowerCase())) {
      skipped.push({
        key,
        code: "unsupported_file_type",
        message: `Not a document type the gateway reads (${path.extname(file) || "no extension"}).`,
        failure: false,
      });
      continue;
    }
    documents.push({ key, location: { kind: "file", path: file }, options });
  }
  return { documents, skipped };
}
