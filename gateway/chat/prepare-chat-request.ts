import type { AppDependencies } from "../http/request-context.ts";
import type { ModelVersion, VersionRoute } from "../release/model-version.ts";
import { applyModelDefaults } from "./apply-model-defaults.ts";
import type { ChatRequest } from "./chat-request.ts";
import { assertChatSchemasSupported } from "./check-chat-schemas.ts";
import { inlineRemoteImages } from "./inline-remote-images.ts";
import { assertMaxTokensWithinCap } from "./max-tokens-cap.ts";
import { verifyChatImages } from "./verify-chat-images.ts";

export type ChatPreparationDependencies = Pick<
  AppDependencies,
  "config" | "models" | "fetcher" | "sampling" | "ocr"
>;

/**
 * Turns a validated chat request into what the backend is sent: the max_tokens cap and structured-output
 * schemas checked, remote images fetched (SSRF-safe), inlined and verified whole, the model name resolved and
 * the model's sampling defaults applied. Used by `/v1/chat/completions` and by batch lines, so both reject and
 * rewrite the same way, before anything reaches vLLM.
 */
export async function prepareChatRequest(
  deps: ChatPreparationDependencies,
  request: ChatRequest,
  signal: AbortSignal,
): Promise<ChatRequest> {
  const { config, models, fetcher, sampling, ocr } = deps;
  assertMaxTokensWithinCap(request.max_tokens ?? request.max_completion_tokens, config.MAX_TOKENS_CAP);
  assertChatSchemasSupported(request);
  const model = models.resolve(request.model);
  const inlined = await inlineRemoteImages(request, {
    fetcher,
    maxImages: config.MAX_IMAGES_PER_REQUEST,
    signal,
  });
  await verifyChatImages(inlined, ocr.imageLimits);
  const resolved = { ...inlined, model };
  return config.APPLY_MODEL_DEFAULTS ? applyModelDefaults(resolved, sampling) : resolved;
}

/**
 * Picks the model version that answers (see `ModelRelease.choose`) and prepares the request for it: its
 * served model name and its profile's sampling defaults.
 */
export async function prepareVersionedChatRequest(
  deps: ChatPreparationDependencies & Pick<AppDependencies, "release">,
  request: ChatRequest,
  signal: AbortSignal,
  route: Omit<VersionRoute, "requested">,
): Promise<{ version: ModelVersion; request: ChatRequest }> {
  const version = deps.release.choose({ ...route, requested: request.model });
  const prepared = await prepareChatRequest(
    { ...deps, models: version.models, sampling: version.sampling },
    request,
    signal,
  );
  return { version, request: prepared };
}
