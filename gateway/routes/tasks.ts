import { Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/**
 * `GET /v1/tasks`: every task `/v1/ocr` accepts, with its aliases, variables and languages, whether the
 * configured backend runs it (`available`) and which options it accepts but ignores (`ignored_options`).
 */
export function tasksRoute({ tasks, config, ocr }: AppDependencies) {
  const profile = config.MODEL_PROFILE;
  const body = {
    object: "list",
    profile,
    backend: ocr.name,
    data: tasks.list().map((task) => {
      const { available, ignoredOptions } = ocr.capabilities(task);
      return {
        name: task.name,
        aliases: task.aliases,
        description: task.description,
        default_language: task.defaultLanguage,
        languages: Object.keys(
          task.prompts[profile] ?? task.prompts[Object.keys(task.prompts)[0] ?? ""] ?? {},
        ),
        parser: task.parser,
        structured_output: task.structuredOutput,
        embedded: task.embedded ?? null,
        variables: task.variables,
        available,
        ignored_options: ignoredOptions,
      };
    }),
  };
  return new Hono<AppEnv>().get("/v1/tasks", (c) => c.json(body));
}
