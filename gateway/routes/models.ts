import { Hono } from "hono";
import type { ModelCard } from "../backends/backend.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

const CREATED = Math.floor(Date.now() / 1000);

/**
 * `GET /v1/models`: the served model and every alias, in OpenAI's list shape. With several model versions
 * (UPSTREAMS_FILE), each version's name and served model name are listed too (`model_version` on their
 * cards), and `versions` gives every version's role and current weight.
 */
export function modelsRoute({ backend, models, release }: AppDependencies) {
  const versioned = release.versions.length > 1;
  const list = () => {
    const versions = release.describe();
    const cards: Array<ModelCard & { model_version?: string }> = models.all.map((id) => {
      const version = versioned ? release.find(id) : undefined;
      return {
        id,
        object: "model",
        created: CREATED,
        owned_by: "ocr-gateway",
        root: version ? version.model : backend.modelId,
        parent: version || id === models.served ? null : models.served,
        backend: backend.name,
        ...(version ? { model_version: version.name } : {}),
      };
    });
    return { object: "list" as const, data: cards, ...(versioned ? { versions } : {}) };
  };
  return new Hono<AppEnv>()
    .get("/v1/models", (c) => c.json(list()))
    .get("/v1/models/:id{.+}", (c) => {
      const card = list().data.find((item) => item.id === c.req.param("id"));
      if (!card) models.resolve(c.req.param("id"));
      return c.json(card);
    });
}
