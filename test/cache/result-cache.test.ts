import { createHash } from "node:crypto";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { beforeEach, describe, expect, it } from "vitest";
import { callTool, connectHttpClient, resultText } from "../mcp/mcp-client.ts";
import { readReceipt } from "../support/fixtures.ts";
import {
  postOcrForm,
  postOcrJson,
  readSseEvents,
  readUntilFirstDelta,
  receiptUpload,
  type UploadedFile,
  useOcrGateway,
} from "../support/ocr-fixtures.ts";

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below
type Json = any;

const ALPHA = "alpha-key-123";
const BETA = "beta-key-456";
const bed = useOcrGateway({ CACHE: "on", API_KEYS: `${ALPHA},${BETA}`, UPSTREAM_RETRIES: "0" });

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

function read(
  file: UploadedFile,
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
  key = ALPHA,
): Promise<Response> {
  return postOcrForm(bed.gateway.url, file, fields, { headers: { ...auth(key), ...headers } });
}

async function ok(response: Response): Promise<Json> {
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** Upstream calls so far: every one is a page the model read (a cache hit makes none). */
const modelCalls = () => bed.emulator.chatRequests.length;

function purge(key: string, sha?: string): Promise<Response> {
  return fetch(`${bed.gateway.url}/v1/cache${sha ? `/${sha}` : ""}`, {
    method: "DELETE",
    headers: auth(key),
  });
}

/** Three pages of text, each a different width so its rendering differs; `lastLine` changes page 2 only. */
async function textPdf(lastLine: string): Promise<UploadedFile> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const [index, line] of ["First page", "Second page", lastLine].entries()) {
    pdf.addPage([420 - 30 * index, 595]).drawText(line, { x: 40, y: 500, size: 24, font });
  }
  return { bytes: await pdf.save(), name: "letter.pdf", type: "application/pdf" };
}

beforeEach(async () => {
  await purge(ALPHA);
  await purge(BETA);
  // Field tasks get JSON with the schema's keys (their parser checks it); the others a line with its box.
  bed.emulator.setDefaultAnswer((request) => {
    const schema = request.response_format?.json_schema?.schema as Json;
    // A spotting line (text and box) reads cleanly as every other task's text too.
    if (schema == null) return { text: `TOTAL ${request.max_tokens}(156,25),(704,63)` };
    const keys = Object.keys(schema.properties ?? {});
    return { text: JSON.stringify(Object.fromEntries(keys.map((key) => [key, "9.00"]))) };
  });
});

describe("result cache", () => {
  it("answers an identical document from the cache: same answer, no model call, x-cache hit", async () => {
    const first = await read(receiptUpload("000"));
    const fresh = await ok(first);
    expect(first.headers.get("x-cache")).toBe("miss");
    const sha = createHash("sha256").update(readReceipt("000")).digest("hex");
    expect(first.headers.get("x-document-sha256")).toBe(sha);

    const second = await read(receiptUpload("000"));
    const cached = await ok(second);
    expect(second.headers.get("x-cache")).toBe("hit");
    expect(modelCalls()).toBe(1);
    expect(cached.text).toBe(fresh.text);
    expect(cached.pages[0]).toEqual({ ...fresh.pages[0], usage: { prompt_tokens: 0, completion_tokens: 0 } });
    expect(cached.usage.total_tokens).toBe(0);
  });

  it("misses when anything that changes the answer changes, and each variant hits when repeated", async () => {
    const variants: Array<Record<string, string>> = [
      { task: "text" },
      { task: "spotting" },
      { task: "text", language: "en" },
      { task: "text", max_tokens: "300" },
      { task: "fields", fields: '["total"]' },
      { task: "fields", fields: '["total","date"]' },
      {
        task: "fields",
        schema: JSON.stringify({ type: "object", properties: { total: { type: "string" } } }),
      },
      { task: "document", include_image_base64: "true" },
      { task: "document" },
    ];
    for (const [position, fields] of variants.entries()) {
      const response = await read(receiptUpload("001"), fields);
      await ok(response);
      expect([JSON.stringify(fields), response.headers.get("x-cache")]).toEqual([
        JSON.stringify(fields),
        "miss",
      ]);
      expect(modelCalls()).toBe(position + 1);
    }
    for (const fields of variants) {
      const response = await read(receiptUpload("001"), fields);
      await ok(response);
      expect([JSON.stringify(fields), response.headers.get("x-cache")]).toEqual([
        JSON.stringify(fields),
        "hit",
      ]);
    }
    expect(modelCalls()).toBe(variants.length);
  });

  it("keeps tenants apart: another key's identical document misses, and purges only touch the caller's", async () => {
    await ok(await read(receiptUpload("002"), {}, {}, ALPHA));
    const other = await read(receiptUpload("002"), {}, {}, BETA);
    await ok(other);
    expect(other.headers.get("x-cache")).toBe("miss");
    expect(modelCalls()).toBe(2);

    expect(await (await purge(ALPHA)).json()).toEqual({ deleted: 1 });
    const beta = await read(receiptUpload("002"), {}, {}, BETA);
    expect(beta.headers.get("x-cache")).toBe("hit");
    const alpha = await read(receiptUpload("002"), {}, {}, ALPHA);
    expect(alpha.headers.get("x-cache")).toBe("miss");
  });

  it("does not keep failures: a 5xx, then the same document is read by the model", async () => {
    bed.emulator.script({ httpError: { status: 500, rawBody: "" } });
    const failed = await read(receiptUpload("003"));
    expect(failed.status).toBeGreaterThanOrEqual(500);
    const retried = await read(receiptUpload("003"));
    await ok(retried);
    expect(retried.headers.get("x-cache")).toBe("miss");
    expect(modelCalls()).toBe(2);
  });

  it("does not keep pages cut by the repetition guard, nor pages that needed a retry", async () => {
    const head = "TAN WOON YANN\n";
    const looped = head + "KF MODELLING CLAY KIDDY FISH 9.00 ".repeat(400);
    bed.emulator.script({ text: looped }, { text: looped });
    const cut = await ok(await read(receiptUpload("004")));
    expect(cut.pages[0].finish_reason).toBe("repetition");

    bed.emulator.script({ text: looped }, { text: `${head}TOTAL 9.00` });
    const retried = await ok(await read(receiptUpload("004")));
    expect(retried.pages[0]).toMatchObject({ finish_reason: "stop", retried: true });

    const again = await read(receiptUpload("004"));
    await ok(again);
    expect(again.headers.get("x-cache")).toBe("miss");
    expect(modelCalls()).toBe(5);
  });

  it("does not keep a stream the client abandoned", async () => {
    bed.emulator.script({ tokens: Array<string>(200).fill("word "), tokenDelayMs: 20 });
    const leave = new AbortController();
    const response = await postOcrForm(
      bed.gateway.url,
      receiptUpload("005"),
      { stream: "true" },
      { headers: auth(ALPHA), signal: leave.signal },
    );
    await readUntilFirstDelta(response);
    leave.abort();
    await bed.emulator.waitForAbort(10_000);

    const after = await read(receiptUpload("005"));
    await ok(after);
    expect(after.headers.get("x-cache")).toBe("miss");
    expect(modelCalls()).toBe(2);
  });

  it("purges everything of the caller, or one document by the hash the answer carried", async () => {
    const kept = await read(receiptUpload("006"));
    await ok(kept);
    const dropped = await read(receiptUpload("007"));
    await ok(dropped);
    const sha = dropped.headers.get("x-document-sha256") ?? "";

    const byHash = await purge(ALPHA, sha);
    expect(await byHash.json()).toEqual({ deleted: 1 });
    expect((await read(receiptUpload("007"))).headers.get("x-cache")).toBe("miss");
    expect((await read(receiptUpload("006"))).headers.get("x-cache")).toBe("hit");

    expect(await (await purge(ALPHA)).json()).toEqual({ deleted: 2 });
    expect((await read(receiptUpload("006"))).headers.get("x-cache")).toBe("miss");

    const bad = await purge(ALPHA, "not-a-hash");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error.code).toBe("invalid_document_hash");
    const anonymous = await fetch(`${bed.gateway.url}/v1/cache`, { method: "DELETE" });
    expect(anonymous.status).toBe(401);
  });

  it("Cache-Control: no-cache reads afresh but stores; no-store keeps the answer out", async () => {
    await ok(await read(receiptUpload("008")));
    const fresh = await read(receiptUpload("008"), {}, { "cache-control": "no-cache" });
    await ok(fresh);
    expect(fresh.headers.get("x-cache")).toBe("miss");
    expect(modelCalls()).toBe(2);

    await ok(await read(receiptUpload("009"), {}, { "cache-control": "no-store" }));
    const notKept = await read(receiptUpload("009"));
    await ok(notKept);
    expect(notKept.headers.get("x-cache")).toBe("miss");
    expect(modelCalls()).toBe(4);
  });

  it("a streamed hit still sends page.start, delta, page.done and done, without a model call", async () => {
    const plain = await ok(await read(receiptUpload("010")));
    const response = await read(receiptUpload("010"), { stream: "true" });
    const events = await readSseEvents(response);
    expect(events.map((event) => event.event)).toEqual(["page.start", "delta", "page.done", "done"]);
    const [, delta, , done] = events.map((event) => event.data as Json);
    expect(delta.text).toBe(plain.text);
    expect(done.text).toBe(plain.text);
    expect(modelCalls()).toBe(1);
  });

  it("a PDF re-sent with one page changed is read again only for that page (x-cache: partial)", async () => {
    const original = await ok(await read(await textPdf("Third page")));
    expect(modelCalls()).toBe(3);
    const changed = await read(await textPdf("Third page, amended"));
    const body = await ok(changed);
    expect(changed.headers.get("x-cache")).toBe("partial");
    expect(modelCalls()).toBe(4);
    expect(body.pages.map((page: Json) => page.text)).toEqual(original.pages.map((page: Json) => page.text));
    // The page selection picks which pages are looked up: page 1 alone is a hit.
    const one = await read(await textPdf("Third page"), { pages: "1" });
    expect(one.headers.get("x-cache")).toBe("hit");
  });

  it("also caches Mistral-style JSON requests with a data: URL", async () => {
    const json = { "content-type": "application/json", ...auth(ALPHA) };
    const document = {
      type: "image_url",
      image_url: `data:image/jpeg;base64,${readReceipt("011").toString("base64")}`,
    };
    await ok(await postOcrJson(bed.gateway.url, { document }, { headers: json }));
    const again = await postOcrJson(bed.gateway.url, { document }, { headers: json });
    await ok(again);
    expect(again.headers.get("x-cache")).toBe("hit");
    // Same bytes as an upload, same task: the page is the same, so it hits across request shapes.
    const upload = await read(receiptUpload("011"), { task: "document" });
    expect(upload.headers.get("x-cache")).toBe("hit");
  });

  it("MCP tool calls use the caller's cache too", async () => {
    const client = await connectHttpClient(bed.gateway.url, auth(ALPHA));
    try {
      const args = { base64: readReceipt("012").toString("base64"), mime_type: "image/jpeg" };
      const first = await callTool(client, "read_text", args);
      const second = await callTool(client, "read_text", args);
      expect(resultText(second)).toBe(resultText(first));
      expect(modelCalls()).toBe(1);
    } finally {
      await client.close();
    }
    const other = await connectHttpClient(bed.gateway.url, auth(BETA));
    try {
      await callTool(other, "read_text", { base64: readReceipt("012").toString("base64") });
      expect(modelCalls()).toBe(2);
    } finally {
      await other.close();
    }
  });
});
