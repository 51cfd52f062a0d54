import { describe, expect, it } from "vitest";
import { buildReceiptPdf, readSseEvents, useOcrGateway } from "../support/ocr-fixtures.ts";
import { callsPerPage, type Json, postJobForm, postJobJson, waitForJob } from "../support/ocr-job-client.ts";

const ALICE = { authorization: "Bearer alice-key-123" };
const BOB = { authorization: "Bearer bob-key-4567" };

async function created(response: Response): Promise<Json> {
  const body = (await response.json()) as Json;
  expect(response.status, JSON.stringify(body)).toBe(202);
  return body;
}

describe("async OCR jobs", () => {
  const bed = useOcrGateway({
    API_KEYS: "alice-key-123,bob-key-4567",
    JOB_POLL_MS: "20",
    // A webhook_url is accepted only when events can be signed.
    WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
  });

  it("reads a PDF page by page in the background and answers the /v1/ocr body", async () => {
    let calls = 0;
    bed.emulator.setDefaultAnswer(() => ({ text: `page text ${calls++}` }));
    const pdf = await buildReceiptPdf(3);
    const job = await created(
      await postJobForm(bed.gateway.url, pdf, { metadata: JSON.stringify({ batch: "archive-7" }) }, ALICE),
    );
    expect(job).toMatchObject({
      object: "ocr.job",
      status: "queued",
      task: "text",
      pages_total: 3,
      pages_done: 0,
      metadata: { batch: "archive-7" },
    });
    expect(job.id).toMatch(/^ocrjob_/);
    const done = await waitForJob(bed.gateway.url, job.id, { headers: ALICE });
    expect(done).toMatchObject({ status: "completed", pages_done: 3, pages_failed: 0, error: null });
    expect(done.result.object).toBe("ocr");
    expect(done.result.pages.map((page: Json) => page.index)).toEqual([0, 1, 2]);
    expect(done.result.usage_info).toEqual({ pages_processed: 3, doc_size_bytes: pdf.length });
    expect(done.result.text.split("\n\n").sort()).toEqual(["page text 0", "page text 1", "page text 2"]);
    expect([...callsPerPage(bed.emulator.chatRequests, job.id).entries()].sort()).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
    ]);
  });

  it("takes Mistral-style JSON with page selection; an unreadable document is a 4xx and no job", async () => {
    const pdf = Buffer.from(await buildReceiptPdf(3)).toString("base64");
    const job = await created(
      await postJobJson(
        bed.gateway.url,
        {
          model: "mistral-ocr-latest",
          document: { type: "document_url", document_url: `data:application/pdf;base64,${pdf}` },
          pages: [2],
          webhook_url: "https://hooks.example.com/ocr",
        },
        ALICE,
      ),
    );
    expect(job).toMatchObject({
      task: "document",
      pages_total: 1,
      webhook_url: "https://hooks.example.com/ocr",
    });
    const done = await waitForJob(bed.gateway.url, job.id, { headers: ALICE });
    expect(done.result.pages.map((page: Json) => page.index)).toEqual([2]);

    const before = (await (
      await fetch(`${bed.gateway.url}/v1/ocr/jobs?limit=100`, { headers: ALICE })
    ).json()) as Json;
    const bad = await postJobForm(bed.gateway.url, Buffer.from("not a document"), {}, ALICE);
    expect(bad.status).toBe(415);
    const badHook = await postJobForm(
      bed.gateway.url,
      await buildReceiptPdf(1),
      { webhook_url: "ftp://x" },
      ALICE,
    );
    expect(((await badHook.json()) as Json).error.param).toBe("webhook_url");
    const after = (await (
      await fetch(`${bed.gateway.url}/v1/ocr/jobs?limit=100`, { headers: ALICE })
    ).json()) as Json;
    expect(after.data.length).toBe(before.data.length);
  });

  it("keeps each caller's jobs to itself: another key gets 404 everywhere", async () => {
    const job = await created(await postJobForm(bed.gateway.url, await buildReceiptPdf(1), {}, ALICE));
    await waitForJob(bed.gateway.url, job.id, { headers: ALICE });
    for (const [method, suffix] of [
      ["GET", ""],
      ["GET", "/events"],
      ["POST", "/cancel"],
      ["DELETE", ""],
    ] as const) {
      const response = await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}${suffix}`, {
        method,
        headers: BOB,
      });
      expect(response.status, `${method} ${suffix}`).toBe(404);
      expect(((await response.json()) as Json).error.code).toBe("job_not_found");
    }
    const list = (await (await fetch(`${bed.gateway.url}/v1/ocr/jobs`, { headers: BOB })).json()) as Json;
    expect(list.data.map((item: Json) => item.id)).not.toContain(job.id);
    expect((await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}`)).status).toBe(401);
  });

  it("honours Idempotency-Key: the same request gives the same job, another request with it a 422", async () => {
    const pdf = await buildReceiptPdf(1);
    const key = { ...ALICE, "idempotency-key": `key-${Math.random()}` };
    const first = await created(await postJobForm(bed.gateway.url, pdf, { task: "text" }, key));
    const again = await postJobForm(bed.gateway.url, pdf, { task: "text" }, key);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as Json).id).toBe(first.id);
    const different = await postJobForm(bed.gateway.url, pdf, { task: "spotting" }, key);
    expect(different.status).toBe(422);
    expect(((await different.json()) as Json).error.code).toBe("idempotency_key_reused");
    // The key is per owner: Bob's request with the same key is a new job of his.
    const bobs = await created(
      await postJobForm(
        bed.gateway.url,
        pdf,
        { task: "text" },
        { ...BOB, "idempotency-key": key["idempotency-key"] },
      ),
    );
    expect(bobs.id).not.toBe(first.id);
    await waitForJob(bed.gateway.url, first.id, { headers: ALICE });
    await waitForJob(bed.gateway.url, bobs.id, { headers: BOB });
  });

  it("streams page.done events then done, with ids a client resumes from with Last-Event-ID", async () => {
    const job = await created(await postJobForm(bed.gateway.url, await buildReceiptPdf(3), {}, ALICE));
    const events = await readSseEvents(
      await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}/events`, { headers: ALICE }),
    );
    expect(events.map((event) => event.event)).toEqual(["page.done", "page.done", "page.done", "done"]);
    const done = events.at(-1)?.data as Json;
    expect(done.pages).toHaveLength(3);
    const raw = await (
      await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}/events`, {
        headers: { ...ALICE, "last-event-id": "2" },
      })
    ).text();
    expect(raw.match(/^id: \d+$/gm)).toEqual(["id: 3", "id: 4"]);
    const resumed = await readSseEvents(
      await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}/events`, {
        headers: { ...ALICE, "last-event-id": "2" },
      }),
    );
    expect(resumed.map((event) => event.event)).toEqual(["page.done", "done"]);
    expect(resumed[1]?.data).toEqual(done);
  });

  it("cancels a running job: no more pages are read, the stream ends with job_cancelled", async () => {
    bed.emulator.setDefaultAnswer(() => ({ text: "slow page", firstTokenDelayMs: 400 }));
    const job = await created(await postJobForm(bed.gateway.url, await buildReceiptPdf(20), {}, ALICE));
    await waitForJob(bed.gateway.url, job.id, { headers: ALICE, until: (body) => body.pages_done >= 1 });
    const response = await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}/cancel`, {
      method: "POST",
      headers: ALICE,
    });
    const cancelled = (await response.json()) as Json;
    expect(response.status).toBe(200);
    expect(cancelled).toMatchObject({ status: "cancelled", error: { code: "job_cancelled" }, result: null });
    // Pages already sent finish or are aborted within a lease renewal (2 s); then nothing more is sent.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const calls = bed.emulator.chatRequests.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(bed.emulator.chatRequests.length).toBe(calls);
    expect(calls).toBeLessThan(20);
    const again = await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}/cancel`, {
      method: "POST",
      headers: ALICE,
    });
    expect(again.status).toBe(409);
    const events = await readSseEvents(
      await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}/events`, { headers: ALICE }),
    );
    expect(events.at(-1)).toMatchObject({ event: "error", data: { error: { code: "job_cancelled" } } });
  });

  it("DELETE purges the job, its input and its result at once", async () => {
    const job = await created(await postJobForm(bed.gateway.url, await buildReceiptPdf(2), {}, ALICE));
    await waitForJob(bed.gateway.url, job.id, { headers: ALICE });
    const store = bed.gateway.deps.jobs?.store();
    const response = await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}`, {
      method: "DELETE",
      headers: ALICE,
    });
    expect(await response.json()).toEqual({ id: job.id, object: "ocr.job.deleted", deleted: true });
    expect((await fetch(`${bed.gateway.url}/v1/ocr/jobs/${job.id}`, { headers: ALICE })).status).toBe(404);
    expect(await store?.getJob(job.id)).toBeUndefined();
    expect(await store?.eventsAfter(job.id, 0)).toEqual([]);
  });

  it("deletes the input as soon as a job ends, and lists newest first with a cursor", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await created(await postJobForm(bed.gateway.url, await buildReceiptPdf(1), {}, BOB))).id);
    }
    for (const id of ids) await waitForJob(bed.gateway.url, id, { headers: BOB });
    const store = bed.gateway.deps.jobs?.store();
    expect(await store?.getInput(ids[0] as string)).toBeUndefined();
    const page1 = (await (
      await fetch(`${bed.gateway.url}/v1/ocr/jobs?limit=2`, { headers: BOB })
    ).json()) as Json;
    expect(page1).toMatchObject({ object: "list", has_more: true, first_id: ids[2], last_id: ids[1] });
    const page2 = (await (
      await fetch(`${bed.gateway.url}/v1/ocr/jobs?limit=2&after=${page1.last_id}`, { headers: BOB })
    ).json()) as Json;
    expect(page2.data[0].id).toBe(ids[0]);
    expect("result" in page2.data[0]).toBe(false);
  });
});
