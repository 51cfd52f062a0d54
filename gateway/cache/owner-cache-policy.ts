import type { Principal } from "../auth/authenticator.ts";
import type { CachePolicy } from "./result-cache.ts";

/** What a caller let the result cache do (`Cache-Control`), kept with background work done later. */
export interface CacheDirectives {
  lookup: boolean;
  store: boolean;
}

/**
 * The cache policy of background work (job pages, batch lines) done for a stored owner. Owners are stored as
 * `kind:id` of the principal that created the job or batch (see `requestOwner`), so the work reads and fills
 * the same tenant-scoped entries as that caller's `/v1/ocr` requests.
 */
export function ownerCachePolicy(
  owner: string,
  directives: CacheDirectives = { lookup: true, store: true },
): CachePolicy {
  const split = owner.indexOf(":");
  const principal: Principal = {
    kind: owner.slice(0, split) as Principal["kind"],
    id: owner.slice(split + 1),
  };
  return { principal, lookup: directives.lookup, store: directives.store };
}
