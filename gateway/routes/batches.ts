import { Hono } from "hono";
import { z } from "zod";
import { toOpenAiBatch } from "../batches/batch-object.ts";
import { BATCH_ENDPOINTS } from "../batches/batch-record.ts";
import { cancelBatch, createBatch, getBatch, metadataSchema } from "../batches/batch-service.ts";
import type { BatchStores } from "../batches/batch-stores.ts";
import { listEnvelope, readListQuery } from "../files/list-query.ts";
import { parseJsonBody } from "../http/parse-json-body.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { requestOwner } from "../http/request-owner.ts";
import { toDeliveryView } from "../webhooks/webhook-delivery.ts";

const createBatchSchema = z.object({
  input_file_id: z.string().min(1),
  endpoint: z.enum(BATCH_ENDPOINTS, { message: `endpoint must be one of ${BATCH_ENDPOINTS.join(", ")}` }),
  completion_window: z.literal("24h", { message: 'completion_window must be "24h"' }),
  metadata: metadataSchema,
  /** The gateway's addition: where to POST the batch's end event (else WEBHOOK_URL). */
  webhook_url: z.string().min(1).nullish(),
});

/**
 * `/v1/batches`: OpenAI's Batch API over `/v1/chat/completions` and `/v1/ocr`: create from an uploaded JSONL
 * file, retrieve (with the batch's webhook deliveries), list newest first, cancel.
 */
export function batchesRoute(deps: AppDependencies, stores: BatchStores) {
  const { config } = deps;
  const options = {
    allowedPrivateHosts: config.FETCH_ALLOWED_PRIVATE_HOSTS,
    webhooksEnabled: config.WEBHOOK_SECRET !== undefined,
  };
  return new Hono<AppEnv>()
    .post("/v1/batches", async (c) => {
      const request = await parseJsonBody(c, createBatchSchema, config.MAX_BODY_BYTES);
      const batch = await createBatch(
        stores,
        {
          owner: requestOwner(c),
          api: "openai",
          endpoint: request.endpoint,
          input_file_id: request.input_file_id,
          model: null,
          completion_window_hours: 24,
          metadata: request.metadata ?? null,
          webhook_url: request.webhook_url ?? null,
        },
        options,
      );
      return c.json(toOpenAiBatch(batch));
    })
    .get("/v1/batches", async (c) => {
      const query = readListQuery(c.req.query());
      const page = await stores.batches.list(requestOwner(c), { after: query.after, limit: query.limit });
      return c.json(
        listEnvelope(
          page.data.map((batch) => toOpenAiBatch(batch)),
          page.has_more,
        ),
      );
    })
    .get("/v1/batches/:id", async (c) => {
      const batch = await getBatch(stores, requestOwner(c), c.req.param("id"));
      const deliveries = await stores.webhooks.forSubject(batch.id);
      return c.json(toOpenAiBatch(batch, deliveries.map(toDeliveryView)));
    })
    .post("/v1/batches/:id/cancel", async (c) => {
      return c.json(toOpenAiBatch(await cancelBatch(stores, requestOwner(c), c.req.param("id"))));
    });
}
