import { Hono } from "hono";
import { chatRequestSchema } from "../chat/chat-request.ts";
import { prepareVersionedChatRequest } from "../chat/prepare-chat-request.ts";
import { clientSignal } from "../http/client-signal.ts";
import { parseJsonBody } from "../http/parse-json-body.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";
import { versionRoute } from "../http/version-route.ts";

/** `POST /v1/chat/completions`: OpenAI-compatible, answered by the configured backend (JSON or SSE). */
export function chatCompletionsRoute(deps: AppDependencies) {
  const { metrics, config } = deps;
  return new Hono<AppEnv>().post("/v1/chat/completions", async (c) => {
    const request = await parseJsonBody(c, chatRequestSchema, config.MAX_BODY_BYTES);
    const { version, request: upstreamRequest } = await prepareVersionedChatRequest(
      deps,
      request,
      clientSignal(c),
      versionRoute(c),
    );
    c.get("labels").modelVersion = version.name;
    const backend = version.chat;
    const { response, timing } = await backend.chatCompletion(upstreamRequest, {
      requestId: c.get("requestId"),
      signal: clientSignal(c),
    });
    const overheadMs = Math.max(0, performance.now() - c.get("startedAt") - timing.upstreamWaitMs);
    metrics.overhead.observe({ route: "/v1/chat/completions" }, overheadMs / 1000);
    response.headers.set("x-gateway-overhead-ms", overheadMs.toFixed(3));
    response.headers.set("x-ocr-backend", backend.name);
    response.headers.set("x-model-version", version.name);
    response.headers.set("x-request-id", c.get("requestId"));
    return response;
  });
}
