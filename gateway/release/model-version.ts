import type { ChatBackend } from "../backends/backend.ts";
import type { SamplingDefaults } from "../chat/apply-model-defaults.ts";
import type { ModelNames } from "../chat/model-names.ts";
import type { OcrBackend } from "../ocr/ocr-backend.ts";
import type { OutcomeWindow } from "./outcome-window.ts";
import type { VersionSpec } from "./upstreams-file.ts";

/** What the composition root builds for one version: its backends and its profile's sampling. */
export interface VersionBackends {
  chat: ChatBackend;
  ocr: OcrBackend;
  sampling: SamplingDefaults;
}

/** One model version at run time: its pool, its routing state and its recent outcomes. */
export interface ModelVersion {
  readonly name: string;
  /** The served model name sent upstream. */
  readonly model: string;
  readonly profile: string;
  readonly spec: VersionSpec;
  role: "stable" | "candidate";
  /** The weight the file gives it. */
  fileWeight: number;
  /** The weight routing uses: the file's, or 0 after a rollback. */
  weight: number;
  shadowPercent: number;
  /** Set when it was rolled back: why, and the file weight then (a new weight in the file lifts it). */
  rolledBack?: { reason: string; fileWeight: number } | undefined;
  /** Chat calls, wrapped to record outcomes and mirror to shadows. */
  readonly chat: ChatBackend;
  /** The version's own OCR backend (unwrapped: the release's OCR backend records around it). */
  readonly ocr: OcrBackend;
  readonly sampling: SamplingDefaults;
  /** Resolves every accepted model name to this version's served name. */
  readonly models: ModelNames;
  errors: OutcomeWindow;
  loops: OutcomeWindow;
}

/** What a request brings to the choice of a version. */
export interface VersionRoute {
  /** The API key name or JWT subject: sticky routing. Undefined for anonymous callers. */
  owner?: string | undefined;
  /** Used instead of the owner when there is none (e.g. a job id, so one job stays on one version). */
  fallbackKey?: string | undefined;
  /** The `model` the client sent: a version's name or served model name pins it. */
  requested?: string | null | undefined;
  /** The `x-model-version` header: a version's name (or served model name). */
  pinned?: string | undefined;
}
