import { describe, expect, it } from "vitest";
import { readReceipt, receiptDataUrl } from "../support/fixtures.ts";
import { useOcrGateway } from "../support/ocr-fixtures.ts";

const bed = useOcrGateway();

const hangingRoutes = {
  "/v1/ocr": (stream: boolean): RequestInit => {
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(readReceipt("000"))], { type: "image/jpeg" }), "r.jpg");
    if (stream) form.set("stream", "true");
    return { method: "POST", body: form };
  },
  "/v1/chat/completions": (stream: boolean): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      stream,
      messages: [
        {
          role: "user",
          content: [
            { type: "image_url", image_url: { url: receiptDataUrl("000") } },
            { type: "text", text: "read" },
          ],
        },
      ],
    }),
  }),
};

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${bed.gateway.url}/metrics`)).text();
  const line = text.split("\n").find((row) => row.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

/** The access-log line of the request with this id, once it is written. */
async function accessLine(requestId: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const line = bed.gateway.logs.find((log) => log.msg === "request" && log.requestId === requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no access-log line for ${requestId}`);
}

describe.each(Object.entries(hangingRoutes))("a client that hangs up on %s", (route, build) => {
  it.each([false, true])(
    "stream=%s: logged at info as a 499, counted as an abort, never as an error",
    async (stream) => {
      const { emulator, gateway } = bed;
      emulator.script({ hang: true });
      const requestId = `abort-${route.length}-${stream}`;
      const abortsBefore = await metric("ocr_gateway_client_aborts_total", `route="${route}"`);
      const controller = new AbortController();
      const init = build(stream);
      const pending = fetch(`${gateway.url}${route}`, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), "x-request-id": requestId },
        signal: controller.signal,
      });
      const upstreamAborted = emulator.waitForAbort(10_000);
      // Hang up once the model server holds the request (for streams, after the 200 headers arrived).
      for (let i = 0; emulator.runningRequests === 0; i++) {
        if (i > 400) throw new Error("the request never reached the emulator");
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      if (stream) {
        const response = await pending;
        expect(response.status).toBe(200);
        controller.abort();
        await expect(response.text()).rejects.toThrow();
      } else {
        controller.abort();
        await expect(pending).rejects.toThrow();
      }
      await upstreamAborted;

      const line = await accessLine(requestId);
      expect(line).toMatchObject({ level: 30, status: 499 });
      const mine = gateway.logs.filter((log) => log.requestId === requestId);
      expect(mine.filter((log) => (log.level as number) >= 40)).toEqual([]);
      expect(await metric("ocr_gateway_client_aborts_total", `route="${route}"`)).toBe(abortsBefore + 1);
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(metrics).not.toMatch(/ocr_gateway_errors_total\{code="(upstream_unavailable|internal_error)"/);
      expect(metrics).not.toMatch(/ocr_gateway_requests_total\{route="[^"]+",method="POST",status="5\d\d"/);
    },
  );
});
