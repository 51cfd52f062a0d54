import type { RecordedRequest } from "./vllm-emulator/index.ts";

// biome-ignore lint/suspicious/noExplicitAny: job bodies are checked field by field in the tests
export type Json = any;

const TERMINAL = new Set(["completed", "failed", "cancelled", "expired"]);

/** `POST /v1/ocr/jobs` with a PDF (or other document) as multipart, plus string form fields. */
export function postJobForm(
  baseUrl: string,
  bytes: Uint8Array,
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(bytes)], { type: "application/pdf" }), "document.pdf");
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return fetch(`${baseUrl}/v1/ocr/jobs`, { method: "POST", body: form, headers });
}

/** `POST /v1/ocr/jobs` with a Mistral-style JSON body. */
export function postJobJson(
  baseUrl: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/v1/ocr/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** Polls `GET /v1/ocr/jobs/{id}` until the job ends (or `until` holds), returning the last body. */
export async function waitForJob(
  baseUrl: string,
  id: string,
  options: { headers?: Record<string, string>; timeoutMs?: number; until?: (job: Json) => boolean } = {},
): Promise<Json> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const until = options.until ?? ((job: Json) => TERMINAL.has(job.status));
  for (;;) {
    const response = await fetch(`${baseUrl}/v1/ocr/jobs/${id}`, { headers: options.headers ?? {} });
    const body = (await response.json()) as Json;
    if (response.status !== 200) throw new Error(`GET job ${id}: ${response.status} ${JSON.stringify(body)}`);
    if (until(body)) return body;
    if (Date.now() > deadline)
      throw new Error(`job ${id} still ${body.status} (${body.pages_done}/${body.pages_total})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The page a model request was for: the gateway sends `x-request-id: <job id>-p<page>-<attempt>`. */
export function requestedPage(request: RecordedRequest, jobId: string): number | undefined {
  const header = request.headers["x-request-id"];
  const id = Array.isArray(header) ? header[0] : header;
  const match = id?.startsWith(`${jobId}-p`) ? /^-p(\d+)-/.exec(id.slice(jobId.length)) : null;
  return match ? Number(match[1]) : undefined;
}

/** How many model requests each page of a job caused. */
export function callsPerPage(requests: readonly RecordedRequest[], jobId: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const request of requests) {
    const page = requestedPage(request, jobId);
    if (page !== undefined) counts.set(page, (counts.get(page) ?? 0) + 1);
  }
  return counts;
}
