import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import type { z } from "zod";
import { PromptFileError } from "./prompt-file-error.ts";

export interface LoadedFile<T> {
  file: string;
  data: T;
}

/**
 * Reads every `*.yaml`/`*.yml` file directly in `dir` (sorted by name) and validates it with `schema`.
 * A missing `dir` is an error unless `optional`; a syntax or schema error names the file and field.
 */
export async function readPromptFiles<S extends z.ZodType>(
  dir: string,
  schema: S,
  { optional = false }: { optional?: boolean } = {},
): Promise<LoadedFile<z.output<S>>[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (optional && isNotFound(error)) return [];
    throw new PromptFileError(dir, "", `cannot read the prompts folder (${describe(error)})`);
  }
  const yamlNames = names.filter((name) => /\.ya?ml$/i.test(name)).sort();
  const files: LoadedFile<z.output<S>>[] = [];
  for (const name of yamlNames) {
    const file = path.join(dir, name);
    const text = await readFile(file, "utf8");
    let raw: unknown;
    try {
      raw = parse(text, { prettyErrors: true, uniqueKeys: true });
    } catch (error) {
      throw new PromptFileError(file, "", `invalid YAML: ${describe(error)}`);
    }
    const result = schema.safeParse(raw);
    if (!result.success) throw PromptFileError.fromZod(file, result.error);
    files.push({ file, data: result.data });
  }
  return files;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "ENOENT";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
