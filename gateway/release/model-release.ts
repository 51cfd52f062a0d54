import type { Logger } from "pino";
import { ModelNames } from "../chat/model-names.ts";
import { NotFoundError } from "../errors.ts";
import type { GatewayMetrics } from "../metrics/gateway-metrics.ts";
import type { ModelVersion, VersionBackends, VersionRoute } from "./model-version.ts";
import { OutcomeWindow } from "./outcome-window.ts";
import type { ReleaseFile, RollbackPolicy, ShadowPolicy, VersionSpec } from "./upstreams-file.ts";
import { pickByWeight, routingPoint } from "./version-router.ts";
import { wrapChatBackend } from "./versioned-chat.ts";

export interface ModelReleaseOptions {
  file: ReleaseFile;
  /** MODEL_PROFILE: the profile of versions that name none. */
  defaultProfile: string;
  /** Builds a version's backends (vLLM clients, page reader) from its entry. */
  build(spec: VersionSpec, profile: string): VersionBackends;
  /** The gateway-wide model names (MODEL and MODEL_ALIASES): they route by weight. */
  aliases: readonly string[];
  metrics: GatewayMetrics;
  logger: Logger;
}

/** What an outcome says about a version's health, for the rollback windows. */
export interface VersionOutcome {
  /** The model call failed (server error, broken stream, unusable answer); undefined = not a call outcome. */
  error?: boolean;
  /** The answer ran into a repetition loop; undefined = not an answer. */
  loop?: boolean;
}

const ROLLBACK_REASONS = ["error_rate", "loop_rate"] as const;

/** The structural part of a version: what cannot change without a restart. */
function structure(spec: VersionSpec, defaultProfile: string): string {
  return JSON.stringify([spec.name, spec.model, spec.profile ?? defaultProfile, spec.replicas]);
}

/**
 * The model versions behind the gateway and the gray release between them: picks a version per request
 * (pinned by name, else by weight, sticky per owner), keeps each version's recent error and loop rates, rolls
 * a candidate back (weight 0) when it does worse than the stable version by more than the policy allows, says
 * which candidates a request is mirrored to, and takes new weights from a reloaded file.
 */
/** A model version as `/v1/models` and the logs describe it. */
export interface VersionDescription {
  name: string;
  model: string;
  profile: string;
  role: string;
  weight: number;
  shadow_percent: number;
  rolled_back?: string;
}

export class ModelRelease {
  readonly versions: readonly ModelVersion[];
  /** Every model name a client may send: the gateway's, and each version's name and served name. */
  readonly names: readonly string[];
  readonly #byName = new Map<string, ModelVersion>();
  readonly #aliases: ReadonlySet<string>;
  #shadow: ShadowPolicy;
  #rollback: RollbackPolicy;
  #shadowsInFlight = 0;
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;

  constructor(private readonly options: ModelReleaseOptions) {
    const { file, metrics } = options;
    this.#shadow = file.shadow;
    this.#rollback = file.rollback;
    this.#aliases = new Set(options.aliases);
    // One version answers to its served name and the aliases, as before versions; several to their names too.
    const versionNames =
      file.versions.length === 1
        ? file.versions.map((spec) => spec.model)
        : file.versions.flatMap((spec) => [spec.name, spec.model]);
    const names = [...versionNames, ...options.aliases].filter(
      (name, index, all) => all.indexOf(name) === index,
    );
    this.names = names;
    this.versions = file.versions.map((spec) => {
      const profile = spec.profile ?? options.defaultProfile;
      const backends = options.build(spec, profile);
      const version: ModelVersion = {
        name: spec.name,
        model: spec.model,
        profile,
        spec,
        role: spec.role,
        fileWeight: spec.weight,
        weight: spec.weight,
        shadowPercent: spec.shadow_percent,
        chat: backends.chat,
        ocr: backends.ocr,
        sampling: backends.sampling,
        models: new ModelNames(spec.model, names),
        errors: new OutcomeWindow(file.rollback.window),
        loops: new OutcomeWindow(file.rollback.window),
      };
      // One version has nothing to compare with or roll back to: its chat answers pass through untouched.
      if (file.versions.length > 1)
        (version as { chat: ModelVersion["chat"] }).chat = wrapChatBackend(backends.chat, version, this);
      return version;
    });
    for (const version of this.versions) {
      this.#byName.set(version.name, version);
      if (!this.#aliases.has(version.model)) this.#byName.set(version.model, version);
      // Exported at 0 from the start, so `increase()` sees the first rollback (a series born at 1 shows none).
      if (this.versions.length > 1) {
        for (const reason of ROLLBACK_REASONS)
          metrics.modelVersionRollbacks.inc({ model_version: version.name, reason }, 0);
      }
      metrics.modelVersionErrorRate.set({ model_version: version.name }, 0);
      metrics.modelVersionLoopRate.set({ model_version: version.name }, 0);
    }
    this.#publishWeights();
  }

  get stable(): ModelVersion {
    return this.versions.find((version) => version.role === "stable") ?? (this.versions[0] as ModelVersion);
  }

  /** Aborted on close: shadow calls still running stop. */
  get closingSignal(): AbortSignal {
    return this.#closing.signal;
  }

  /** The version with this name or served model name, if any. */
  find(name: string): ModelVersion | undefined {
    return this.#byName.get(name);
  }

  /**
   * The version that answers a request: the one `x-model-version` names, else the one the `model` names
   * (a version's name or served model name), else a weighted pick, sticky per owner. An unknown
   * `x-model-version` is a 404 naming the versions; an unknown `model` is the usual 404 of `ModelNames`.
   */
  choose(route: VersionRoute = {}): ModelVersion {
    if (route.pinned !== undefined && route.pinned !== "") {
      const pinned =
        this.find(route.pinned) ?? this.versions.find((version) => version.model === route.pinned);
      if (!pinned) {
        throw new NotFoundError(
          "unknown_model_version",
          `No model version "${route.pinned}" (x-model-version). Versions: ${this.versions.map((v) => v.name).join(", ")}.`,
        );
      }
      return pinned;
    }
    if (route.requested != null) {
      const named = this.find(route.requested);
      if (named) return named;
      this.stable.models.resolve(route.requested);
    }
    if (this.versions.length === 1) return this.stable;
    return pickByWeight(this.versions, routingPoint(route.owner ?? route.fallbackKey)) ?? this.stable;
  }

  /** Records what a model call or answer of `version` showed, and rolls a candidate back if it must. */
  record(version: ModelVersion, outcome: VersionOutcome): void {
    const { metrics } = this.options;
    if (outcome.error !== undefined) {
      version.errors.record(outcome.error);
      metrics.modelVersionErrorRate.set({ model_version: version.name }, version.errors.rate);
    }
    if (outcome.loop !== undefined) {
      version.loops.record(outcome.loop);
      metrics.modelVersionLoopRate.set({ model_version: version.name }, version.loops.rate);
    }
    if (version.role === "candidate" && version.rolledBack === undefined) this.#judge(version);
  }

  #judge(candidate: ModelVersion): void {
    const policy = this.#rollback;
    if (!policy.enabled) return;
    const stable = this.stable;
    const checks = [
      {
        reason: "error_rate",
        mine: candidate.errors,
        theirs: stable.errors,
        margin: policy.error_rate_margin,
      },
      { reason: "loop_rate", mine: candidate.loops, theirs: stable.loops, margin: policy.loop_rate_margin },
    ];
    for (const { reason, mine, theirs, margin } of checks) {
      if (mine.count < policy.min_samples || theirs.count < policy.min_samples) continue;
      if (mine.rate - theirs.rate <= margin) continue;
      candidate.rolledBack = { reason, fileWeight: candidate.fileWeight };
      candidate.weight = 0;
      this.options.metrics.modelVersionRollbacks.inc({ model_version: candidate.name, reason });
      this.#publishWeights();
      this.options.logger.warn(
        {
          modelVersion: candidate.name,
          reason,
          candidateRate: round(mine.rate),
          stableRate: round(theirs.rate),
          stableVersion: stable.name,
          margin,
          samples: mine.count,
        },
        `model version ${candidate.name} rolled back: its ${reason.replace("_", " ")} ${round(mine.rate)} exceeds ${stable.name}'s ${round(theirs.rate)} by more than ${margin}; its weight is now 0`,
      );
      return;
    }
  }

  /** Candidates this request is also sent to (each by its shadow percentage), never the one that answered. */
  shadowsFor(primary: ModelVersion): ModelVersion[] {
    return this.versions.filter(
      (version) =>
        version !== primary &&
        version.role === "candidate" &&
        version.rolledBack === undefined &&
        version.shadowPercent > 0 &&
        Math.random() * 100 < version.shadowPercent,
    );
  }

  /**
   * Runs a shadow call in the background, within the shadow concurrency: skipped (and counted) when the
   * limit is reached. Never throws and never delays the caller.
   */
  mirror(candidate: ModelVersion, call: (signal: AbortSignal) => Promise<void>): void {
    const { metrics, logger } = this.options;
    if (this.#shadowsInFlight >= this.#shadow.max_concurrency || this.#closing.signal.aborted) {
      metrics.shadowRequests.inc({ model_version: candidate.name, outcome: "skipped_busy" });
      return;
    }
    this.#shadowsInFlight++;
    void call(this.#closing.signal)
      .catch((error: unknown) => {
        metrics.shadowRequests.inc({ model_version: candidate.name, outcome: "failed" });
        logger.debug({ modelVersion: candidate.name, err: (error as Error).message }, "shadow call failed");
      })
      .finally(() => {
        this.#shadowsInFlight--;
      });
  }

  /** A shadow answer was compared with the client's answer. */
  agreed(candidate: ModelVersion, kind: "text" | "fields", agreement: number): void {
    const { metrics } = this.options;
    metrics.shadowRequests.inc({ model_version: candidate.name, outcome: "compared" });
    metrics.shadowAgreement.observe({ model_version: candidate.name, kind }, agreement);
  }

  /**
   * Takes weights, roles, shadow percentages and policies from a new version of the file. Adding, removing
   * or re-pointing a version (name, model, profile, replicas) needs a restart: such a file is refused whole.
   * A rolled-back candidate stays at 0 until the file gives it a different weight.
   */
  apply(file: ReleaseFile): void {
    const before = this.versions.map((version) => structure(version.spec, this.options.defaultProfile));
    const after = file.versions.map((spec) => structure(spec, this.options.defaultProfile));
    if (before.join("\n") !== after.join("\n")) {
      throw new Error(
        "the versions' names, models, profiles or replicas changed: only weight, role, shadow_percent, shadow and rollback change without a restart",
      );
    }
    file.versions.forEach((spec, index) => {
      const version = this.versions[index] as ModelVersion;
      // A promoted (or demoted) version, or a new window size, starts its rates afresh.
      if (version.role !== spec.role || file.rollback.window !== this.#rollback.window) {
        version.errors = new OutcomeWindow(file.rollback.window);
        version.loops = new OutcomeWindow(file.rollback.window);
        this.options.metrics.modelVersionErrorRate.set({ model_version: version.name }, 0);
        this.options.metrics.modelVersionLoopRate.set({ model_version: version.name }, 0);
      }
      version.role = spec.role;
      version.shadowPercent = spec.shadow_percent;
      if (version.rolledBack && spec.weight !== version.rolledBack.fileWeight) version.rolledBack = undefined;
      version.fileWeight = spec.weight;
      version.weight = version.rolledBack ? 0 : spec.weight;
    });
    this.#shadow = file.shadow;
    this.#rollback = file.rollback;
    this.#publishWeights();
  }

  #publishWeights(): void {
    const gauge = this.options.metrics.modelVersionWeight;
    gauge.reset();
    for (const version of this.versions) {
      gauge.set({ model_version: version.name, role: version.role }, version.weight);
    }
  }

  /** What `/v1/models` and logs say about each version. */
  describe(): VersionDescription[] {
    return this.versions.map((version) => ({
      name: version.name,
      model: version.model,
      profile: version.profile,
      role: version.role,
      weight: version.weight,
      shadow_percent: version.shadowPercent,
      ...(version.rolledBack ? { rolled_back: version.rolledBack.reason } : {}),
    }));
  }

  /** Stops shadow calls and closes every version's backend (once, however often it is called). */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new Error("shutting down"));
      await Promise.all(this.versions.map((version) => version.chat.close()));
    })();
    return this.#closed;
  }
}

function round(rate: number): number {
  return Math.round(rate * 1000) / 1000;
}
