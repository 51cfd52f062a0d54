import type { Principal } from "../auth/authenticator.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { TaskOptions } from "../ocr/ocr-backend.ts";
import type { PageResult, PreparedPage } from "../ocr/ocr-types.ts";
import { withPageIndex } from "../ocr/page-result.ts";
import type { PageCacheHook } from "../ocr/run-ocr.ts";
import type { TaskDefinition } from "../tasks/index.ts";
import { cacheOwner, fingerprint, pageKey, taskFingerprint } from "./cache-keys.ts";
import type { CacheStore } from "./cache-store.ts";

/** What a request lets the cache do (`Cache-Control: no-cache` skips lookup, `no-store` skips storing). */
export interface CachePolicy {
  principal: Principal | undefined;
  lookup: boolean;
  store: boolean;
}

/** `hit`: every page came from the cache; `miss`: none did; `partial`: some did. */
export type CacheOutcome = "hit" | "miss" | "partial";

/** Everything outside the request that changes an answer; fingerprinted once at start-up. */
export interface AnswerContext {
  backend: string;
  model: string;
  /** The model profile (prompts fallback chain, sampling, repetition settings). */
  profile: unknown;
  structuredOutputMode: string;
  /** Pages are turned upright before reading (`AUTO_ROTATE`): answers differ, so entries must too. */
  autoRotate?: boolean;
}

/** One request's use of the cache: looks pages up, keeps the good answers until `commit`. */
export interface PageCacheSession extends PageCacheHook {
  /** Stores the answers kept so far; call once the whole document was read (not for failed or aborted runs). */
  commit(): Promise<void>;
  outcome(): CacheOutcome;
}

/**
 * Only clean answers are kept: no error, stopped by the model itself (not `length` or `repetition`, which
 * the repetition guard trimmed) and no warnings (a retried page carries one).
 */
function isCacheable(result: PageResult): boolean {
  return result.error == null && result.finish_reason === "stop" && result.warnings.length === 0;
}

/** A stored page answer; an entry that is not one (written by another version, damaged) is a miss. */
function parseEntry(value: string | undefined): PageResult | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as PageResult;
    return typeof parsed?.text === "string" && Array.isArray(parsed.images) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The result cache of `/v1/ocr` pages (and of every path that reads documents through the OCR service).
 * Keys: see `pageKey`. A hit reports zero tokens: no model time was spent on it.
 */
export class ResultCache {
  readonly #context: string;

  constructor(
    readonly store: CacheStore,
    private readonly options: { scope: "owner" | "global"; metrics: GatewayMetrics; context: AnswerContext },
  ) {
    this.#context = fingerprint(options.context);
  }

  ownerOf(principal: Principal | undefined): string {
    return cacheOwner(principal, this.options.scope);
  }

  session(input: {
    policy: CachePolicy;
    document: string;
    task: TaskDefinition;
    options: TaskOptions;
    /** The model version that reads the pages: versions never share answers. */
    modelVersion?: string | undefined;
  }): PageCacheSession {
    const { store } = this;
    const { metrics } = this.options;
    const owner = this.ownerOf(input.policy.principal);
    const task =
      taskFingerprint(input.task, input.options) + (input.modelVersion ? `@${input.modelVersion}` : "");
    const keyOf = (page: PreparedPage) => pageKey({ owner, context: this.#context, task, page });
    const pending: Array<{ key: string; value: string }> = [];
    let hits = 0;
    let misses = 0;
    return {
      async lookup(page) {
        const cached = input.policy.lookup ? parseEntry(await store.get(keyOf(page))) : undefined;
        if (cached === undefined) {
          misses++;
          metrics.cacheLookups.inc({ store: store.kind, result: input.policy.lookup ? "miss" : "bypass" });
          return undefined;
        }
        hits++;
        metrics.cacheLookups.inc({ store: store.kind, result: "hit" });
        return { ...withPageIndex(cached, page.index), usage: { prompt_tokens: 0, completion_tokens: 0 } };
      },
      remember(page, result) {
        if (input.policy.store && isCacheable(result))
          pending.push({ key: keyOf(page), value: JSON.stringify(result) });
      },
      async commit() {
        await Promise.all(
          pending.map(({ key, value }) => store.set(key, value, { owner, document: input.document })),
        );
        pending.length = 0;
      },
      outcome: () => (misses === 0 && hits > 0 ? "hit" : hits === 0 ? "miss" : "partial"),
    };
  }

  /** Deletes the caller's entries (all, or those of one document); resolves to how many. */
  purge(principal: Principal | undefined, document?: string): Promise<number> {
    const owner = this.ownerOf(principal);
    return document === undefined ? this.store.purgeOwner(owner) : this.store.purgeDocument(owner, document);
  }
}
