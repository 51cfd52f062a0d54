import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

/** A file of the reference page: its bytes and content type. */
export interface DocsAsset {
  body: Uint8Array<ArrayBuffer> | string;
  contentType: string;
}

/**
 * The page's policy: scripts and styles only from the gateway (no CDN, no inline script). Swagger UI sets
 * inline style attributes and uses data: images, hence those two allowances.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

// Relative URLs, so the page also works behind a reverse proxy that mounts the gateway under a prefix.
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>HunyuanOCR gateway API</title>
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/assets/docs-init.js"></script>
</body>
</html>
`;

// `validatorUrl: null`: Swagger UI would otherwise send the document to validator.swagger.io.
const INIT_SCRIPT = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: new URL("openapi.json", document.baseURI).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
  });
});
`;

const SWAGGER_FILES: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png",
};

/** The names `assetLoader` serves. */
export const DOCS_ASSET_NAMES = [...Object.keys(SWAGGER_FILES), "docs-init.js"];

/**
 * Reads the page's assets on first use from the installed `swagger-ui-dist` package (kept in memory after),
 * so building the app does no I/O. Unknown names resolve to undefined.
 */
export function assetLoader(): (name: string) => Promise<DocsAsset | undefined> {
  const cache = new Map<string, Promise<DocsAsset>>();
  const folder = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  return (name) => {
    if (name === "docs-init.js") {
      return Promise.resolve({ body: INIT_SCRIPT, contentType: "text/javascript; charset=utf-8" });
    }
    const contentType = SWAGGER_FILES[name];
    if (contentType === undefined) return Promise.resolve(undefined);
    let asset = cache.get(name);
    if (asset === undefined) {
      asset = readFile(path.join(folder, name)).then((body) => ({ body: new Uint8Array(body), contentType }));
      // A failed read is not cached: the next request tries again.
      asset.catch(() => cache.delete(name));
      cache.set(name, asset);
    }
    return asset;
  };
}
