import path from "node:path";
import { fileURLToPath } from "node:url";
import { NotFoundError } from "../errors.ts";
import { PromptFileError } from "./prompt-file-error.ts";
import { templateVariableNames } from "./prompt-template.ts";
import { type LoadedFile, readPromptFiles } from "./read-prompt-files.ts";
import {
  type EmbeddedRendering,
  type ParserName,
  type ProfileFile,
  type PromptLanguage,
  profileFileSchema,
  type TaskFile,
  type TaskVariable,
  taskFileSchema,
} from "./task-file-schema.ts";

/** The task files shipped with the gateway (`<repo>/prompts`). */
export const BUILTIN_PROMPTS_DIR = fileURLToPath(new URL("../../prompts/", import.meta.url));
/** The profile used when the configuration names none. */
export const DEFAULT_PROFILE = "hunyuanocr-1.0";

export interface TaskDefinition {
  name: string;
  aliases: readonly string[];
  description: string;
  defaultLanguage: PromptLanguage;
  parser: ParserName;
  structuredOutput: boolean;
  /** Which embedded CPU-engine rendering can serve this task without the VLM; absent = VLM only. */
  embedded?: EmbeddedRendering;
  /** Task sampling (snake_case, merged over the profile's). */
  sampling: TaskFile["sampling"];
  variables: readonly TaskVariable[];
  /** Prompt per profile name and language. */
  prompts: Readonly<Record<string, Partial<Record<PromptLanguage, string>>>>;
  /** The file it came from. */
  source: string;
}

export interface ModelProfile {
  name: string;
  description: string;
  promptFallback?: string;
  /** This profile then its `prompt_fallback` chain: where prompts are looked up, in order. */
  promptChain: readonly string[];
  sampling: ProfileFile["sampling"];
  keepSpecialTokensForParsers: readonly ParserName[];
  repetition: { retryPenalty: number; trimMinChars: number; trimMinRepeats: number };
  source: string;
}

export class TaskRegistry {
  readonly #byName: ReadonlyMap<string, TaskDefinition>;
  readonly #byAlias: ReadonlyMap<string, TaskDefinition>;

  constructor(
    tasks: readonly TaskDefinition[],
    readonly profiles: ReadonlyMap<string, ModelProfile>,
  ) {
    this.#byName = new Map(tasks.map((task) => [task.name, task]));
    const byAlias = new Map<string, TaskDefinition>();
    for (const task of tasks) {
      for (const key of [task.name, ...task.aliases]) {
        const other = byAlias.get(key);
        if (other != null && other !== task) {
          throw new PromptFileError(
            task.source,
            task.aliases.includes(key) ? "aliases" : "name",
            `"${key}" is already used by ${other.source}`,
          );
        }
        byAlias.set(key, task);
      }
    }
    this.#byAlias = byAlias;
  }

  /** The task with this name or alias (case-insensitive, `-` read as `_`); NotFoundError `unknown_task` lists valid names. */
  get(nameOrAlias: string): TaskDefinition {
    const task = this.#byAlias.get(nameOrAlias.trim().toLowerCase().replaceAll("-", "_"));
    if (task == null) {
      throw new NotFoundError(
        "unknown_task",
        `Unknown task "${nameOrAlias}". Valid tasks: ${[...this.#byName.keys()].join(", ")}.`,
        { param: "task" },
      );
    }
    return task;
  }

  /** Every task, sorted by name. */
  list(): TaskDefinition[] {
    return [...this.#byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The profile with this name; NotFoundError `unknown_profile` lists valid names. */
  getProfile(name: string): ModelProfile {
    const profile = this.profiles.get(name);
    if (profile == null) {
      throw new NotFoundError(
        "unknown_profile",
        `Unknown model profile "${name}". Valid profiles: ${[...this.profiles.keys()].join(", ")}.`,
      );
    }
    return profile;
  }
}

/**
 * Loads task files from `dirs` (each `<dir>/*.yaml`) and profiles (`<dir>/profiles/*.yaml`). Later folders
 * override earlier ones by `name`, so pass `[BUILTIN_PROMPTS_DIR, config.promptsDir]`. Throws PromptFileError
 * naming the file and field for any invalid file, unknown profile, undeclared `{{variable}}` or alias clash.
 */
export async function loadTaskRegistry(dirs: readonly string[]): Promise<TaskRegistry> {
  const taskFiles = new Map<string, LoadedFile<TaskFile>>();
  const profileFiles = new Map<string, LoadedFile<ProfileFile>>();
  for (const dir of dirs) {
    for (const loaded of await readPromptFiles(path.join(dir, "profiles"), profileFileSchema, {
      optional: true,
    })) {
      profileFiles.set(loaded.data.name, loaded);
    }
    const seenHere = new Map<string, string>();
    for (const loaded of await readPromptFiles(dir, taskFileSchema)) {
      const previous = seenHere.get(loaded.data.name);
      if (previous != null)
        throw new PromptFileError(
          loaded.file,
          "name",
          `"${loaded.data.name}" is also defined in ${previous}`,
        );
      seenHere.set(loaded.data.name, loaded.file);
      taskFiles.set(loaded.data.name, loaded);
    }
  }
  const profiles = toProfiles([...profileFiles.values()]);
  const tasks = [...taskFiles.values()].map(({ file, data }) => toTask(data, file, profiles));
  return new TaskRegistry(tasks, profiles);
}

/** Loads one profile by name from `dirs` (built-in folder by default). */
export async function loadModelProfile(
  name: string,
  dirs: readonly string[] = [BUILTIN_PROMPTS_DIR],
): Promise<ModelProfile> {
  const files = new Map<string, LoadedFile<ProfileFile>>();
  for (const dir of dirs) {
    for (const loaded of await readPromptFiles(path.join(dir, "profiles"), profileFileSchema, {
      optional: true,
    })) {
      files.set(loaded.data.name, loaded);
    }
  }
  const found = toProfiles([...files.values()]).get(name);
  if (found == null) throw new NotFoundError("unknown_profile", `Unknown model profile "${name}".`);
  return found;
}

/** Profiles by name, each with its prompt chain; a missing or cyclic `prompt_fallback` names the file. */
function toProfiles(files: readonly LoadedFile<ProfileFile>[]): Map<string, ModelProfile> {
  const byName = new Map(files.map((loaded) => [loaded.data.name, loaded]));
  const profiles = new Map<string, ModelProfile>();
  for (const { file, data } of files) {
    const chain = [data.name];
    for (let next = data.prompt_fallback; next != null; next = byName.get(next)?.data.prompt_fallback) {
      if (!byName.has(next)) throw new PromptFileError(file, "prompt_fallback", `unknown profile "${next}"`);
      if (chain.includes(next))
        throw new PromptFileError(file, "prompt_fallback", `fallback cycle through "${next}"`);
      chain.push(next);
    }
    profiles.set(data.name, toProfile(data, file, chain));
  }
  return profiles;
}

function toProfile(data: ProfileFile, source: string, promptChain: readonly string[]): ModelProfile {
  return {
    name: data.name,
    description: data.description,
    ...(data.prompt_fallback != null && { promptFallback: data.prompt_fallback }),
    promptChain,
    sampling: data.sampling,
    keepSpecialTokensForParsers: data.keep_special_tokens_for_parsers,
    repetition: {
      retryPenalty: data.repetition.retry_penalty,
      trimMinChars: data.repetition.trim_min_chars,
      trimMinRepeats: data.repetition.trim_min_repeats,
    },
    source,
  };
}

function toTask(data: TaskFile, source: string, profiles: ReadonlyMap<string, ModelProfile>): TaskDefinition {
  const declared = new Set(data.variables.map((variable) => variable.name));
  for (const [profileName, byLanguage] of Object.entries(data.prompts)) {
    if (!profiles.has(profileName)) {
      throw new PromptFileError(
        source,
        `prompts.${profileName}`,
        `unknown profile (known: ${[...profiles.keys()].join(", ")})`,
      );
    }
    for (const [language, prompt] of Object.entries(byLanguage)) {
      for (const used of templateVariableNames(prompt ?? "")) {
        if (!declared.has(used)) {
          throw new PromptFileError(
            source,
            `prompts.${profileName}.${language}`,
            `uses undeclared variable "{{${used}}}"`,
          );
        }
      }
    }
  }
  return {
    name: data.name,
    aliases: data.aliases,
    description: data.description,
    defaultLanguage: data.default_language,
    parser: data.parser,
    structuredOutput: data.structured_output,
    ...(data.embedded != null && { embedded: data.embedded }),
    sampling: data.sampling,
    variables: data.variables,
    prompts: data.prompts,
    source,
  };
}
