import { Hono } from "hono";
import { z } from "zod";
import { toMistralBatchJob } from "../batches/batch-object.ts";
import { BATCH_ENDPOINTS } from "../batches/batch-record.ts";
import { cancelBatch, createBatch, getBatch, metadataSchema } from "../batches/batch-service.ts";
import type { BatchStores } from "../batches/batch-stores.ts";
import { BadRequestError } from "../errors.ts";
import { parseJsonBody, validate } from "../http/parse-json-body.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { requestOwner } from "../http/request-owner.ts";
import { toDeliveryView } from "../webhooks/webhook-delivery.ts";

const createJobSchema = z.object({
  input_files: z.array(z.string().min(1)).min(1).nullish(),
  requests: z
    .array(z.object({ custom_id: z.string().min(1).nullish(), body: z.record(z.string(), z.unknown()) }))
    .min(1)
    .nullish(),
  endpoint: z.enum(BATCH_ENDPOINTS, { message: `endpoint must be one of ${BATCH_ENDPOINTS.join(", ")}` }),
  model: z.string().min(1).nullish(),
  metadata: metadataSchema,
  timeout_hours: z.number().int().min(1).max(168).default(24),
  webhook_url: z.string().min(1).nullish(),
});

const listSchema = z.object({
  page: z.coerce.number().int().min(0).default(0),
  page_size: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * Mistral's batch API (`/v1/batch/jobs`) over the same batches as `/v1/batches`: create from one uploaded
 * file or inline `requests`, get, list (page-numbered), cancel. Status and counts in Mistral's names.
 */
export function mistralBatchJobsRoute(deps: AppDependencies, stores: BatchStores) {
  const { config } = deps;
  const options = {
    allowedPrivateHosts: config.FETCH_ALLOWED_PRIVATE_HOSTS,
    webhooksEnabled: config.WEBHOOK_SECRET !== undefined,
  };
  return new Hono<AppEnv>()
    .post("/v1/batch/jobs", async (c) => {
      const request = await parseJsonBody(c, createJobSchema, config.MAX_BODY_BYTES);
      const owner = requestOwner(c);
      let inputFileId = request.input_files?.[0];
      if ((request.input_files?.length ?? 0) > 1) {
        throw new BadRequestError("too_many_input_files", "Send one input file per batch job.", {
          param: "input_files",
        });
      }
      if (request.requests) {
        if (inputFileId) {
          throw new BadRequestError("invalid_request", "Send `input_files` or `requests`, not both.", {
            param: "requests",
          });
        }
        const lines = request.requests.map((line) => JSON.stringify(line)).join("\n");
        const file = await stores.files.create({
          owner,
          purpose: "batch",
          sample_type: "batch_request",
          filename: "inline-requests.jsonl",
          content: Buffer.from(lines),
          expires_at: null,
        });
        inputFileId = file.id;
      }
      if (!inputFileId) {
        throw new BadRequestError("missing_input", "Send `input_files` (one file id) or inline `requests`.", {
          param: "input_files",
        });
      }
      const batch = await createBatch(
        stores,
        {
          owner,
          api: "mistral",
          endpoint: request.endpoint,
          input_file_id: inputFileId,
          model: request.model ?? null,
          completion_window_hours: request.timeout_hours,
          metadata: request.metadata ?? null,
          webhook_url: request.webhook_url ?? null,
        },
        options,
      );
      return c.json(toMistralBatchJob(batch));
    })
    .get("/v1/batch/jobs", async (c) => {
      const { page, page_size } = validate(c.req.query(), listSchema);
      const owner = requestOwner(c);
      const { data, total } = await stores.batches.page(owner, page * page_size, page_size);
      return c.json({ object: "list", data: data.map((batch) => toMistralBatchJob(batch)), total });
    })
    .get("/v1/batch/jobs/:id", async (c) => {
      const batch = await getBatch(stores, requestOwner(c), c.req.param("id"));
      const deliveries = await stores.webhooks.forSubject(batch.id);
      return c.json(toMistralBatchJob(batch, deliveries.map(toDeliveryView)));
    })
    .post("/v1/batch/jobs/:id/cancel", async (c) => {
      return c.json(toMistralBatchJob(await cancelBatch(stores, requestOwner(c), c.req.param("id"))));
    });
}
