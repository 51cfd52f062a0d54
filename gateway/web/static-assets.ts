import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** A file of the browser UI held in memory, ready to send. */
export interface StaticAsset {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
};

const STATIC_DIR = fileURLToPath(new URL("./static/", import.meta.url));

/**
 * Reads the UI's files (`gateway/web/static/`) once into memory, keyed by file name. Only the types in
 * `CONTENT_TYPES` are served, so an editor's backup file or a stray `.d.ts` never leaks out.
 * `index.html` has `%BASE%` replaced by `basePath` (ending in "/") so its asset links work under any prefix.
 */
export function loadStaticAssets(basePath: string, directory = STATIC_DIR): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const name of readdirSync(directory)) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (contentType == null || name.endsWith(".d.ts")) continue;
    let body = new Uint8Array(readFileSync(path.join(directory, name)));
    if (name === "index.html") {
      body = new TextEncoder().encode(new TextDecoder().decode(body).replaceAll("%BASE%", basePath));
    }
    assets.set(name, { body, contentType });
  }
  return assets;
}
