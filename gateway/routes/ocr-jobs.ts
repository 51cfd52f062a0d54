import { Hono } from "hono";
import { z } from "zod";
import { BadRequestError, ConflictError, type GatewayError, NotFoundError } from "../errors.ts";
import { attachmentHeaders } from "../http/attachment-headers.ts";
import { cachePolicyFrom } from "../http/cache-control.ts";
import { validate } from "../http/parse-json-body.ts";
import { readOcrInput } from "../http/read-ocr-input.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { requestOwner } from "../http/request-owner.ts";
import { replayJobEvents } from "../jobs/job-event-replay.ts";
import type { JobsRuntime } from "../jobs/jobs-runtime.ts";
import { createOcrJob } from "../jobs/ocr/create-ocr-job.ts";
import { ocrJobObject } from "../jobs/ocr/ocr-job-object.ts";
import { OCR_JOB_TYPE, type OcrJobParams } from "../jobs/ocr/ocr-job-params.ts";
import { type JobOutputInfo, type JobRecord, TERMINAL_STATUSES } from "../jobs/store/job-store.ts";
import { isArchiveFormat } from "../output-formats/output-format.ts";
import { checkWebhookUrlOption } from "../webhooks/check-webhook-url.ts";
import { toDeliveryView, type WebhookDeliveryView } from "../webhooks/webhook-delivery.ts";

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};
const EVENT_POLL_MS = 300;

/** OpenAI's metadata rules: at most 16 pairs, keys up to 64 characters, string values up to 512. */
const metadataSchema = z
  .record(z.string().min(1).max(64), z.string().max(512))
  .refine((value) => Object.keys(value).length <= 16, "at most 16 keys");
const jobOptionsSchema = z.object({
  webhook_url: z.url({ protocol: /^https?$/ }).nullish(),
  metadata: metadataSchema.nullish(),
});
const listQuerySchema = z.object({
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

function noOutput(job: JobRecord): GatewayError {
  return new NotFoundError(
    "job_has_no_output",
    `Job '${job.id}' has no output file: it was created without an \`output_format\` of pdf, alto or hocr; its answer is the \`result\` of GET /v1/ocr/jobs/${job.id}.`,
    { param: "id" },
  );
}

/** The output file exists once the job completed; before, or after a failure, the caller is told which. */
function checkHasOutput(job: JobRecord): void {
  if (!isArchiveFormat((job.params as OcrJobParams).request.output_format)) throw noOutput(job);
  if (job.status === "queued" || job.status === "in_progress") {
    throw new ConflictError(
      "job_not_finished",
      `The job is ${job.status}: its output file is written when it completes. Poll GET /v1/ocr/jobs/${job.id} or follow its /events.`,
      { param: "id", headers: { "retry-after": "2" } },
    );
  }
  if (job.status !== "completed") {
    throw new ConflictError(
      "job_not_completed",
      `The job ended ${job.status}, without an output file${job.error ? `: ${job.error.message}` : "."}`,
      { param: "id" },
    );
  }
}

/** A multipart form sends `metadata` as a JSON string. */
function jsonField(value: unknown, name: string): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new BadRequestError("invalid_request", `Form field \`${name}\` is not valid JSON.`, {
      param: name,
    });
  }
}

/**
 * Async OCR jobs: `POST /v1/ocr/jobs` takes what `POST /v1/ocr` takes (plus `webhook_url`, `metadata` and an
 * `Idempotency-Key` header) and answers 202 at once; the pages are read in the background, checkpointed one by
 * one. Retrieve (with the webhook deliveries of its events), list, cancel, delete and follow (`/events`, SSE
 * resumable with `Last-Event-ID`) the job; a job asked for `output_format` pdf/alto/hocr has its file
 * downloaded from `/content` once it completed.
 * Another owner's job is a 404, as if it did not exist.
 */
export function ocrJobsRoute(deps: AppDependencies, jobs: JobsRuntime) {
  const { config, models } = deps;

  async function ownedJob(id: string, owner: string): Promise<JobRecord> {
    const job = await jobs.store().getJob(id);
    if (!job || job.owner !== owner || job.type !== OCR_JOB_TYPE) {
      throw new NotFoundError("job_not_found", `No OCR job with id '${id}'.`, { param: "id" });
    }
    return job;
  }

  async function jobOutput(job: JobRecord): Promise<JobOutputInfo | undefined> {
    const format = (job.params as OcrJobParams).request.output_format;
    if (job.status !== "completed" || !isArchiveFormat(format)) return undefined;
    return jobs.store().describeOutput(job.id);
  }

  /** The deliveries of the job's events (none without a batch runtime, which keeps the webhook store). */
  async function deliveries(job: JobRecord): Promise<WebhookDeliveryView[]> {
    const webhooks = deps.batches?.stores.webhooks;
    return webhooks ? (await webhooks.forSubject(job.id)).map(toDeliveryView) : [];
  }

  async function cancel(job: JobRecord): Promise<JobRecord | undefined> {
    const error = { code: "job_cancelled", message: "The job was cancelled." };
    return jobs.store().finishJob(job.id, {
      status: "cancelled",
      error,
      event: { event: "error", data: { error: { ...error, type: "job_error", param: null } } },
      now: Date.now(),
      resultTtlMs: jobs.settings.resultTtlMs,
    });
  }

  return new Hono<AppEnv>()
    .post("/v1/ocr/jobs", async (c) => {
      const store = jobs.store();
      const { lookup, store: keep } = cachePolicyFrom(c.req.header("cache-control"), undefined);
      const input = await readOcrInput(c, config.MAX_BODY_BYTES);
      const options = validate(
        {
          webhook_url: input.request.webhook_url,
          metadata: jsonField(input.request.metadata, "metadata"),
        },
        jobOptionsSchema,
      );
      const { job, created } = await createOcrJob(deps, store, {
        owner: requestOwner(c),
        input,
        webhookUrl: checkWebhookUrlOption(options.webhook_url, {
          webhooksEnabled: config.WEBHOOK_SECRET !== undefined,
          allowedPrivateHosts: config.FETCH_ALLOWED_PRIVATE_HOSTS,
        }),
        metadata: options.metadata ?? null,
        idempotencyKey: c.req.header("idempotency-key") ?? null,
        cache: { lookup, store: keep },
        requestId: c.get("requestId"),
        signal: c.req.raw.signal,
        now: Date.now(),
        expireAfterMs: jobs.settings.expireAfterMs,
      });
      if (created) jobs.worker?.poke();
      else c.header("idempotent-replayed", "true");
      return c.json(ocrJobObject(job, models.served, false), 202);
    })
    .get("/v1/ocr/jobs", async (c) => {
      const query = validate(c.req.query(), listQuerySchema);
      const { jobs: page, hasMore } = await jobs.store().listJobs({
        owner: requestOwner(c),
        type: OCR_JOB_TYPE,
        after: query.after,
        limit: query.limit,
      });
      const data = page.map((job) => ocrJobObject(job, models.served, false));
      return c.json({
        object: "list",
        data,
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: hasMore,
      });
    })
    .get("/v1/ocr/jobs/:id", async (c) => {
      const job = await ownedJob(c.req.param("id"), requestOwner(c));
      return c.json(ocrJobObject(job, models.served, true, await jobOutput(job), await deliveries(job)));
    })
    .get("/v1/ocr/jobs/:id/content", async (c) => {
      const job = await ownedJob(c.req.param("id"), requestOwner(c));
      checkHasOutput(job);
      const output = await jobs.store().getOutput(job.id);
      if (!output) throw noOutput(job);
      return c.body(new Uint8Array(output.data), 200, {
        ...attachmentHeaders(output.contentType, output.filename),
        "content-length": String(output.data.length),
      });
    })
    .post("/v1/ocr/jobs/:id/cancel", async (c) => {
      const job = await ownedJob(c.req.param("id"), requestOwner(c));
      const cancelled = TERMINAL_STATUSES.has(job.status) ? undefined : await cancel(job);
      if (!cancelled) {
        throw new ConflictError("job_not_cancellable", `The job has already ended (${job.status}).`, {
          param: "id",
        });
      }
      return c.json(ocrJobObject(cancelled, models.served, true));
    })
    .delete("/v1/ocr/jobs/:id", async (c) => {
      const job = await ownedJob(c.req.param("id"), requestOwner(c));
      if (!TERMINAL_STATUSES.has(job.status)) await cancel(job);
      await jobs.store().deleteJob(job.id);
      return c.json({ id: job.id, object: "ocr.job.deleted", deleted: true });
    })
    .get("/v1/ocr/jobs/:id/events", async (c) => {
      const job = await ownedJob(c.req.param("id"), requestOwner(c));
      const lastEventId = Number(c.req.header("last-event-id") ?? c.req.query("after") ?? 0);
      if (!Number.isInteger(lastEventId) || lastEventId < 0) {
        throw new BadRequestError(
          "invalid_last_event_id",
          "`Last-Event-ID` must be an event id (an integer).",
        );
      }
      const stream = replayJobEvents({
        store: jobs.store,
        jobId: job.id,
        afterSeq: lastEventId,
        pollMs: EVENT_POLL_MS,
      });
      return c.body(stream, 200, SSE_HEADERS);
    });
}
