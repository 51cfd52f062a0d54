import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../../gateway/errors.ts";
import { PromptFileError } from "../../gateway/tasks/prompt-file-error.ts";
import {
  BUILTIN_PROMPTS_DIR,
  DEFAULT_PROFILE,
  loadModelProfile,
  loadTaskRegistry,
} from "../../gateway/tasks/task-registry.ts";

async function tempDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "prompts-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

const validTask = `
name: receipt_total
description: Total of a receipt.
parser: text
sampling: { max_tokens: 256 }
prompts:
  hunyuanocr-1.0:
    zh: 输出总金额的值。
`;

async function loadError(files: Record<string, string>): Promise<PromptFileError> {
  const dir = await tempDir(files);
  const error = await loadTaskRegistry([BUILTIN_PROMPTS_DIR, dir]).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(PromptFileError);
  return error as PromptFileError;
}

describe("loadTaskRegistry on the shipped files", () => {
  it("loads every shipped task and both profiles", async () => {
    const registry = await loadTaskRegistry([BUILTIN_PROMPTS_DIR]);
    expect(registry.list().map((task) => task.name)).toEqual([
      "chart",
      "document",
      "fields",
      "formula",
      "spotting",
      "subtitles",
      "table",
      "text",
      "translate",
      "value",
    ]);
    expect([...registry.profiles.keys()].sort()).toEqual(["hunyuanocr-1.0", "hunyuanocr-1.5"]);
    expect(registry.getProfile(DEFAULT_PROFILE).sampling).toEqual({
      temperature: 0,
      top_p: 0.95,
      top_k: 1,
      repetition_penalty: 1,
      seed: 1234,
    });
    expect(registry.getProfile("hunyuanocr-1.5").sampling).toEqual({
      temperature: 0,
      top_p: 1,
      top_k: -1,
      repetition_penalty: 1.08,
    });
  });

  it("resolves aliases case-insensitively, with - read as _", async () => {
    const registry = await loadTaskRegistry([BUILTIN_PROMPTS_DIR]);
    expect(registry.get("extract_text").name).toBe("text");
    expect(registry.get("Extract-Fields").name).toBe("fields");
    expect(registry.get("fields").structuredOutput).toBe(true);
    expect(registry.get("spotting").embedded).toBe("spotting");
    expect(registry.get("document").embedded).toBe("document");
    expect(registry.get("fields").embedded).toBeUndefined();
  });

  it("answers unknown_task (404) listing the valid names", async () => {
    const registry = await loadTaskRegistry([BUILTIN_PROMPTS_DIR]);
    const error = (() => {
      try {
        registry.get("summarise");
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 404, code: "unknown_task" });
    expect((error as Error).message).toContain("chart, document, fields");
  });

  it("answers unknown_profile for a profile that does not exist", async () => {
    const registry = await loadTaskRegistry([BUILTIN_PROMPTS_DIR]);
    expect(() => registry.getProfile("hunyuanocr-2.0")).toThrow(
      /hunyuanocr-1.0, hunyuanocr-1.5|hunyuanocr-1.5, hunyuanocr-1.0/,
    );
  });

  it("loads one profile on its own", async () => {
    const profile = await loadModelProfile("hunyuanocr-1.5");
    expect(profile.promptChain).toEqual(["hunyuanocr-1.5", "hunyuanocr-1.0"]);
    expect(profile.keepSpecialTokensForParsers).toEqual([]);
    expect((await loadModelProfile("hunyuanocr-1.0")).keepSpecialTokensForParsers).toEqual(["spotting"]);
  });
});

describe("user prompt folders", () => {
  it("adds new tasks and overrides built-in ones by name", async () => {
    const builtinText = await readFile(path.join(BUILTIN_PROMPTS_DIR, "text.yaml"), "utf8");
    const dir = await tempDir({
      "receipt.yaml": validTask,
      "text.yaml": builtinText.replace("Plain text of the image, in reading order.", "My text task."),
    });
    const registry = await loadTaskRegistry([BUILTIN_PROMPTS_DIR, dir]);
    expect(registry.get("receipt_total").source).toBe(path.join(dir, "receipt.yaml"));
    expect(registry.get("text").description).toBe("My text task.");
    expect(registry.get("extract_text").source).toBe(path.join(dir, "text.yaml"));
    expect(registry.list()).toHaveLength(11);
  });

  it("lets a user folder add a profile", async () => {
    const profile = await readFile(path.join(BUILTIN_PROMPTS_DIR, "profiles", "hunyuanocr-1.5.yaml"), "utf8");
    const dir = await tempDir({
      "profiles/custom.yaml": profile.replace("name: hunyuanocr-1.5", "name: custom"),
    });
    const registry = await loadTaskRegistry([BUILTIN_PROMPTS_DIR, dir]);
    expect(registry.getProfile("custom").promptFallback).toBe("hunyuanocr-1.0");
  });

  it("fails on a missing folder, naming it", async () => {
    await expect(loadTaskRegistry([BUILTIN_PROMPTS_DIR, "/nonexistent/prompts"])).rejects.toThrow(
      /\/nonexistent\/prompts: cannot read the prompts folder/,
    );
  });
});

describe("broken task files fail with the file and the field", () => {
  it("names an invalid parser", async () => {
    const error = await loadError({ "bad.yaml": validTask.replace("parser: text", "parser: poem") });
    expect(error.file).toMatch(/bad\.yaml$/);
    expect(error.fieldPath).toBe("parser");
    expect(error.message).toMatch(/bad\.yaml: parser: /);
  });

  it("names a wrong type deep inside variables", async () => {
    const error = await loadError({
      "bad.yaml": `${validTask}variables:\n  - name: lang\n    type: enum\n    values: [zh]\n    default: fr\n`,
    });
    expect(error.fieldPath).toBe("variables.0.default");
    expect(error.message).toContain("must be one of zh");
  });

  it("names an unknown key", async () => {
    const error = await loadError({ "bad.yaml": `${validTask}temperature: 0\n` });
    expect(error.message).toMatch(/bad\.yaml: .*temperature/);
  });

  it("names a missing required field", async () => {
    const error = await loadError({ "bad.yaml": validTask.replace("sampling: { max_tokens: 256 }\n", "") });
    expect(error.fieldPath).toBe("sampling");
  });

  it("names a prompt for an unknown profile", async () => {
    const error = await loadError({ "bad.yaml": validTask.replace("hunyuanocr-1.0:", "hunyuanocr-9:") });
    expect(error.fieldPath).toBe("prompts.hunyuanocr-9");
    expect(error.message).toContain("unknown profile");
  });

  it("names a prompt using an undeclared variable", async () => {
    const error = await loadError({ "bad.yaml": validTask.replace("输出总金额的值。", "输出{{key}}的值。") });
    expect(error.fieldPath).toBe("prompts.hunyuanocr-1.0.zh");
    expect(error.message).toContain('undeclared variable "{{key}}"');
  });

  it("names invalid YAML", async () => {
    const error = await loadError({ "bad.yaml": "name: [unclosed\n" });
    expect(error.message).toMatch(/bad\.yaml: invalid YAML/);
  });

  it("names an alias that another task already uses", async () => {
    const error = await loadError({
      "bad.yaml": validTask.replace("parser: text", "parser: text\naliases: [extract_text]"),
    });
    expect(error.fieldPath).toBe("aliases");
    expect(error.message).toMatch(/"extract_text" is already used by .*text\.yaml/);
  });

  it("names a structured-output task without a key list", async () => {
    const error = await loadError({
      "bad.yaml": validTask.replace("parser: text", "parser: fields\nstructured_output: true"),
    });
    expect(error.fieldPath).toBe("structured_output");
  });

  it("names a profile whose fallback does not exist", async () => {
    const profile = await readFile(path.join(BUILTIN_PROMPTS_DIR, "profiles", "hunyuanocr-1.5.yaml"), "utf8");
    const error = await loadError({
      "profiles/x.yaml": profile
        .replace("name: hunyuanocr-1.5", "name: x")
        .replace("prompt_fallback: hunyuanocr-1.0", "prompt_fallback: nope"),
    });
    expect(error.file).toMatch(/profiles\/x\.yaml$/);
    expect(error.fieldPath).toBe("prompt_fallback");
  });
});
