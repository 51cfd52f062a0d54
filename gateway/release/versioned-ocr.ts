import type { BackendLoad, OcrBackend, PageContext, PreparedTask, TaskOptions } from "../ocr/ocr-backend.ts";
import type { PageResult, PreparedPage } from "../ocr/ocr-types.ts";
import type { TaskDefinition } from "../tasks/index.ts";
import { fieldAgreement, textAgreement } from "./agreement.ts";
import type { ModelRelease } from "./model-release.ts";
import type { ModelVersion, VersionRoute } from "./model-version.ts";
import { isServerFault } from "./versioned-chat.ts";

interface VersionedTask extends PreparedTask {
  version: ModelVersion;
  inner: PreparedTask;
}

/** What a page's answer says about its version's health. */
function outcomeOf(result: PageResult) {
  return { error: result.error != null, loop: result.finish_reason === "repetition" };
}

/**
 * `/v1/ocr` over model versions: `prepareTask` picks the version (see `ModelRelease.choose`) and binds the
 * task to it, `runPage` reads the page there, records the outcome for the rollback windows and mirrors the
 * page to shadow candidates once its answer is known.
 */
export class VersionedOcrBackend implements OcrBackend {
  readonly name: string;
  readonly imageLimits: OcrBackend["imageLimits"];
  /** The load of every version's pool together (background work fills spare capacity anywhere). */
  readonly load?: () => BackendLoad;

  constructor(private readonly release: ModelRelease) {
    this.name = release.stable.ocr.name;
    this.imageLimits = release.stable.ocr.imageLimits;
    if (release.versions.some((version) => version.ocr.load)) this.load = () => this.#load();
  }

  capabilities(task: TaskDefinition) {
    return this.release.stable.ocr.capabilities(task);
  }

  /** Every version runs the stable one's backend kind (vLLM or the embedded engine), so it decides. */
  assertServes(task: TaskDefinition): void {
    this.release.stable.ocr.assertServes?.(task);
  }

  prepareTask(task: TaskDefinition, options: TaskOptions, route?: VersionRoute): PreparedTask {
    const version = this.release.choose(route);
    const inner = version.ocr.prepareTask(task, options);
    const prepared: VersionedTask = {
      task,
      options,
      inner,
      version,
      modelVersion: { name: version.name, model: version.model },
    };
    return prepared;
  }

  async runPage(page: PreparedPage, task: PreparedTask, context: PageContext): Promise<PageResult> {
    const { version, inner } = task as VersionedTask;
    let result: PageResult;
    try {
      result = await version.ocr.runPage(page, inner, context);
    } catch (error) {
      if (isServerFault(error, context.signal)) this.release.record(version, { error: true });
      throw error;
    }
    this.release.record(version, outcomeOf(result));
    if (result.error == null && context.shadow !== true) {
      for (const candidate of this.release.shadowsFor(version))
        this.#mirror(candidate, page, task, result, context);
    }
    return result;
  }

  #mirror(
    candidate: ModelVersion,
    page: PreparedPage,
    task: PreparedTask,
    primary: PageResult,
    context: PageContext,
  ) {
    const release = this.release;
    release.mirror(candidate, async (signal) => {
      let shadow: PageResult;
      try {
        const prepared = candidate.ocr.prepareTask(task.task, task.options);
        shadow = await candidate.ocr.runPage(page, prepared, {
          requestId: `${context.requestId}-shadow`,
          signal,
          onDelta: () => {},
          shadow: true,
        });
      } catch (error) {
        if (isServerFault(error, signal)) release.record(candidate, { error: true });
        throw error;
      }
      release.record(candidate, outcomeOf(shadow));
      if (shadow.error != null) throw new Error(shadow.error.message);
      if (primary.fields !== undefined)
        release.agreed(candidate, "fields", fieldAgreement(primary.fields, shadow.fields));
      else release.agreed(candidate, "text", textAgreement(primary.text, shadow.text));
    });
  }

  #load(): BackendLoad {
    const loads = this.release.versions.flatMap((version) => (version.ocr.load ? [version.ocr.load()] : []));
    return loads.reduce((sum, load) => ({
      slots: sum.slots + load.slots,
      busy: sum.busy + load.busy,
      waiting: sum.waiting + load.waiting,
      reserved: (sum.reserved ?? 0) + (load.reserved ?? 0),
    }));
  }
}
