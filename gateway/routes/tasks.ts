import { Hono } from "hono";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/** `GET /v1/tasks`: every task `/v1/ocr` accepts, with its aliases, variables and languages. */
export function tasksRoute({ tasks, config }: AppDependencies) {
  const profile = config.MODEL_PROFILE;
  const body = {
    object: "list",
    profile,
    data: tasks.list().map((task) => ({
      name: task.name,
      aliases: task.aliases,
      description: task.description,
      default_language: task.defaultLanguage,
      languages: Object.keys(task.prompts[profile] ?? task.prompts[Object.keys(task.prompts)[0] ?? ""] ?? {}),
      parser: task.parser,
      structured_output: task.structuredOutput,
      embedded: task.embedded ?? null,
      variables: task.variables,
    })),
  };
  return new Hono<AppEnv>().get("/v1/tasks", (c) => c.json(body));
}
