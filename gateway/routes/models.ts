import { Hono } from "hono";
import type { ModelCard } from "../backends/backend.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

const CREATED = Math.floor(Date.now() / 1000);

/** `GET /v1/models`: the served model and every alias, in OpenAI's list shape. */
export function modelsRoute({ backend, models }: AppDependencies) {
  const cards: ModelCard[] = models.all.map((id) => ({
    id,
    object: "model",
    created: CREATED,
    owned_by: "ocr-gateway",
    root: backend.modelId,
    parent: id === models.served ? null : models.served,
    backend: backend.name,
  }));
  const list = { object: "list", data: cards };
  return new Hono<AppEnv>()
    .get("/v1/models", (c) => c.json(list))
    .get("/v1/models/:id{.+}", (c) => {
      const card = cards.find((item) => item.id === c.req.param("id"));
      if (!card) models.resolve(c.req.param("id"));
      return c.json(card);
    });
}
