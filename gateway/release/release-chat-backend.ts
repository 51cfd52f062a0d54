import type { ChatBackend, ReadyStatus } from "../backends/backend.ts";
import type { ModelRelease } from "./model-release.ts";

/**
 * The release as one `ChatBackend`, for what is not about one request: readiness (the stable version must be
 * ready; every version's state is reported), the name in logs and metrics, and closing every version. Chat
 * calls through it go by weight, without an owner; the routes pick their version themselves.
 */
export function releaseChatBackend(release: ModelRelease): ChatBackend {
  return {
    name: release.stable.chat.name,
    get modelId() {
      return release.stable.model;
    },
    chatCompletion: (request, context) =>
      release.choose({ requested: request.model }).chat.chatCompletion(request, context),
    async checkReady(signal): Promise<ReadyStatus> {
      if (release.versions.length === 1) return release.stable.chat.checkReady(signal);
      const stable = release.stable;
      const statuses = await Promise.all(
        release.versions.map(async (version) => [version, await version.chat.checkReady(signal)] as const),
      );
      const versions = Object.fromEntries(
        statuses.map(([version, status]) => [
          version.name,
          { role: version.role, weight: version.weight, ready: status.ready, ...status.detail },
        ]),
      );
      const ready = statuses.find(([version]) => version === stable)?.[1].ready === true;
      return { ready, backend: stable.chat.name, detail: { versions } };
    },
    close: () => release.close(),
  };
}
