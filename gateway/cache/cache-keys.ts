import { createHash } from "node:crypto";
import { stringify } from "safe-stable-stringify";
import type { Principal } from "../auth/authenticator.ts";
import type { TaskOptions } from "../ocr/ocr-backend.ts";
import type { PreparedPage } from "../ocr/ocr-types.ts";
import type { TaskDefinition } from "../tasks/index.ts";

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Hash of a value's JSON with keys sorted, so `{a, b}` and `{b, a}` fingerprint the same. */
export function fingerprint(value: unknown): string {
  return sha256Hex(stringify(value) ?? "null");
}

/**
 * Whose entries a request reads and writes: a hash of the API key name or JWT subject (so tenants never
 * share an entry and Redis never holds the names), or "global" when `CACHE_SCOPE=global`.
 */
export function cacheOwner(principal: Principal | undefined, scope: "owner" | "global"): string {
  if (scope === "global") return "global";
  const who = principal ?? { kind: "anonymous", id: "anonymous" };
  return sha256Hex(`${who.kind}:${who.id}`).slice(0, 32);
}

/**
 * What the task makes of a page: its whole definition (prompts per profile and language, sampling,
 * variables, parser) and the caller's options. Editing a prompt file or changing any option changes it.
 * The file's path is left out: moving a file changes no answer.
 */
export function taskFingerprint(task: TaskDefinition, options: TaskOptions): string {
  const { source: _path, ...definition } = task;
  return fingerprint({ definition, options });
}

/**
 * The key of one page's answer: the page as the model sees it (the hash of the rendered/normalised image
 * bytes) and its reported size (boxes are scaled to it), the task fingerprint, the model/profile/backend
 * fingerprint and the owner. Keyed on the page's own pixels rather than (document hash, page number), so a
 * PDF re-sent with one page changed hits for every other page, while any change to a page misses.
 */
export function pageKey(parts: { owner: string; context: string; task: string; page: PreparedPage }): string {
  const { page } = parts;
  return fingerprint([
    parts.owner,
    parts.context,
    parts.task,
    sha256Hex(page.image.data),
    page.dimensions.width,
    page.dimensions.height,
    page.dimensions.dpi,
  ]);
}
