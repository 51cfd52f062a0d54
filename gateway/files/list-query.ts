import { z } from "zod";
import { validate } from "../http/parse-json-body.ts";

const listQuerySchema = z.object({
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(20),
  order: z.enum(["asc", "desc"]).default("desc"),
  purpose: z.string().min(1).optional(),
});

export type ListQuery = z.infer<typeof listQuerySchema>;

/** OpenAI's list query (`after`, `limit`, `order`, `purpose`); out-of-range values are a 400. */
export function readListQuery(query: Record<string, string>): ListQuery {
  return validate(query, listQuerySchema);
}

/** OpenAI's list envelope, which the SDKs' cursor pages read (`has_more`, `last_id`). */
export function listEnvelope<T extends { id: string }>(data: T[], hasMore: boolean) {
  return {
    object: "list" as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: hasMore,
  };
}
