import { Hono } from "hono";
import { applyModelDefaults } from "../chat/apply-model-defaults.ts";
import { chatRequestSchema } from "../chat/chat-request.ts";
import { assertChatSchemasSupported } from "../chat/check-chat-schemas.ts";
import { inlineRemoteImages } from "../chat/inline-remote-images.ts";
import { assertMaxTokensWithinCap } from "../chat/max-tokens-cap.ts";
import { verifyChatImages } from "../chat/verify-chat-images.ts";
import { clientSignal } from "../http/client-signal.ts";
import { parseJsonBody } from "../http/parse-json-body.ts";
import type { AppDependencies, AppEnv } from "../http/request-context.ts";

/** `POST /v1/chat/completions`: OpenAI-compatible, answered by the configured backend (JSON or SSE). */
export function chatCompletionsRoute({
  backend,
  models,
  sampling,
  metrics,
  config,
  fetcher,
  ocr,
}: AppDependencies) {
  return new Hono<AppEnv>().post("/v1/chat/completions", async (c) => {
    const request = await parseJsonBody(c, chatRequestSchema, config.MAX_BODY_BYTES);
    assertMaxTokensWithinCap(request.max_tokens ?? request.max_completion_tokens, config.MAX_TOKENS_CAP);
    assertChatSchemasSupported(request);
    const model = models.resolve(request.model);
    const inlined = await inlineRemoteImages(request, {
      fetcher,
      maxImages: config.MAX_IMAGES_PER_REQUEST,
      signal: clientSignal(c),
    });
    await verifyChatImages(inlined, ocr.imageLimits);
    const resolved = { ...inlined, model };
    const upstreamRequest = config.APPLY_MODEL_DEFAULTS ? applyModelDefaults(resolved, sampling) : resolved;
    const { response, timing } = await backend.chatCompletion(upstreamRequest, {
      requestId: c.get("requestId"),
      signal: clientSignal(c),
    });
    const overheadMs = Math.max(0, performance.now() - c.get("startedAt") - timing.upstreamWaitMs);
    metrics.overhead.observe({ route: "/v1/chat/completions" }, overheadMs / 1000);
    response.headers.set("x-gateway-overhead-ms", overheadMs.toFixed(3));
    response.headers.set("x-ocr-backend", backend.name);
    response.headers.set("x-request-id", c.get("requestId"));
    return response;
  });
}
