import { Hono } from "hono";
import type { BatchStores } from "../batches/batch-stores.ts";
import { BadRequestError, NotFoundError } from "../errors.ts";
import { toFileObject } from "../files/file-record.ts";
import { listEnvelope, readListQuery } from "../files/list-query.ts";
import { readRequestBody } from "../http/read-body.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { requestOwner } from "../http/request-owner.ts";

/** Batch inputs not used by a batch are deleted after 30 days (OpenAI's default for `purpose=batch`). */
const UNUSED_INPUT_TTL_S = 30 * 24 * 3600;

async function readUpload(body: Buffer, contentType: string): Promise<{ file: File; purpose: string }> {
  if (!/^multipart\/form-data/i.test(contentType)) {
    throw new BadRequestError("invalid_content_type", "Upload files as multipart/form-data.");
  }
  let form: FormData;
  try {
    form = await new Request("http://local/", {
      method: "POST",
      headers: { "content-type": contentType },
      body: new Blob([new Uint8Array(body)]),
    }).formData();
  } catch {
    throw new BadRequestError("invalid_multipart", "The multipart body could not be parsed.");
  }
  const file = form.get("file");
  if (!(file instanceof File)) {
    throw new BadRequestError("missing_file", "Send the file as a `file` form field.", { param: "file" });
  }
  const purpose = form.get("purpose");
  if (purpose !== "batch") {
    throw new BadRequestError("unsupported_purpose", "Only `purpose=batch` files can be uploaded.", {
      param: "purpose",
    });
  }
  return { file, purpose };
}

function notFound(id: string) {
  return new NotFoundError("file_not_found", `No file ${id}.`, { param: "file_id" });
}

/**
 * `/v1/files`: OpenAI's (and Mistral's) files API for batch inputs and outputs: upload with `purpose=batch`,
 * retrieve, list, download the content, delete. Each caller sees only their own files.
 */
export function filesRoute(deps: AppDependencies, stores: BatchStores) {
  const { config } = deps;
  return new Hono<AppEnv>()
    .post("/v1/files", async (c) => {
      const body = await readRequestBody(c, config.MAX_BODY_BYTES);
      const { file } = await readUpload(body, c.req.header("content-type") ?? "");
      const created = await stores.files.create({
        owner: requestOwner(c),
        purpose: "batch",
        sample_type: "batch_request",
        filename: file.name || "input.jsonl",
        content: Buffer.from(await file.arrayBuffer()),
        expires_at: Math.floor(Date.now() / 1000) + UNUSED_INPUT_TTL_S,
      });
      return c.json(toFileObject(created));
    })
    .get("/v1/files", async (c) => {
      const query = readListQuery(c.req.query());
      const page = await stores.files.list(requestOwner(c), query);
      return c.json(listEnvelope(page.data.map(toFileObject), page.has_more));
    })
    .get("/v1/files/:id", async (c) => {
      const file = await stores.files.get(requestOwner(c), c.req.param("id"));
      if (!file) throw notFound(c.req.param("id"));
      return c.json(toFileObject(file));
    })
    .get("/v1/files/:id/content", async (c) => {
      const content = await stores.files.content(requestOwner(c), c.req.param("id"));
      if (!content) throw notFound(c.req.param("id"));
      return c.body(new Uint8Array(content), 200, { "content-type": "application/octet-stream" });
    })
    .delete("/v1/files/:id", async (c) => {
      const id = c.req.param("id");
      if (!(await stores.files.delete(requestOwner(c), id))) throw notFound(id);
      return c.json({ id, object: "file" as const, deleted: true });
    });
}
