import { errors, type PathContext, type PathItems } from "./operation-parts.ts";
import { batchPaths } from "./paths/batch-paths.ts";
import { cachePaths } from "./paths/cache-paths.ts";
import { mcpPaths } from "./paths/mcp-paths.ts";
import { ocrJobPaths } from "./paths/ocr-job-paths.ts";
import { ocrPaths } from "./paths/ocr-paths.ts";
import { openAiPaths } from "./paths/openai-paths.ts";
import { operationsPaths } from "./paths/operations-paths.ts";

/**
 * Every group of documented paths. A new route is documented by a function in `paths/` returning its path
 * items, listed here; `test/openapi` fails while a served route is missing from the document (or the reverse).
 */
const PATH_GROUPS: ReadonlyArray<(context: PathContext) => PathItems> = [
  openAiPaths,
  ocrPaths,
  mcpPaths,
  operationsPaths,
  ({ secured, authErrors }) => cachePaths(secured, errors("BadRequest", ...authErrors, "ServiceUnavailable")),
  ({ jobsEnabled, secured, authErrors }) =>
    jobsEnabled ? { ...ocrJobPaths(secured, authErrors), ...batchPaths(secured, authErrors) } : {},
];

/** The document's `paths`: every group's items, merged (a path defined twice is a bug). */
export function apiPaths(context: PathContext): PathItems {
  const paths: PathItems = {};
  for (const group of PATH_GROUPS) {
    for (const [path, item] of Object.entries(group(context))) {
      if (path in paths) throw new Error(`OpenAPI path ${path} is defined twice`);
      paths[path] = item;
    }
  }
  return paths;
}
