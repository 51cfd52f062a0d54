/** Behaviour of the emulated vLLM build that depends on its release. */
export interface VersionFeatures {
  version: string;
  nestedErrors: boolean;
  /** `structured_outputs` request field (0.11+). */
  structuredOutputsField: boolean;
  /** `guided_*` fields constrain the output (before 0.12; removed and ignored from 0.12). */
  guidedFieldsHonoured: boolean;
  /** `vllm:kv_cache_usage_perc` and `vllm:inter_token_latency_seconds` (0.11+) instead of the old names. */
  newMetricNames: boolean;
  /**
   * A corrupt or truncated image with a valid header escapes vLLM's 400 handling (PIL raises `OSError`, which
   * the chat handler does not catch): Starlette answers 500 `Internal Server Error` as plain text. Before 0.19.
   */
  corruptImageIsPlain500: boolean;
  /**
   * A schema that passes admission but cannot be compiled inside the engine (a `pattern` with lookaround or a
   * backreference, see `structured-output.ts`) kills the engine. Before 0.19.
   */
  poisonSchemaKillsEngine: boolean;
  /**
   * 0.14+: the engine appends a random suffix to every request id, so two in-flight requests may share an
   * `X-Request-Id`; validation errors name the offending field in `param`.
   */
  uniqueEngineRequestIds: boolean;
  validationParam: boolean;
}

function parseVersion(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
  if (match === null) {
    throw new Error(`vLLM version must look like 0.12.0, got "${version}"`);
  }
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

function atLeast(version: [number, number, number], minimum: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) {
    const a = version[i] ?? 0;
    const b = minimum[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** Derives the version-dependent switches from a version string such as "0.11.2". */
export function featuresOf(version: string, errorShape?: "nested" | "flat"): VersionFeatures {
  const parsed = parseVersion(version);
  return {
    version,
    nestedErrors: errorShape === undefined ? atLeast(parsed, [0, 10, 1]) : errorShape === "nested",
    structuredOutputsField: atLeast(parsed, [0, 11, 0]),
    guidedFieldsHonoured: !atLeast(parsed, [0, 12, 0]),
    newMetricNames: atLeast(parsed, [0, 11, 0]),
    corruptImageIsPlain500: !atLeast(parsed, [0, 19, 0]),
    poisonSchemaKillsEngine: !atLeast(parsed, [0, 19, 0]),
    uniqueEngineRequestIds: atLeast(parsed, [0, 14, 0]),
    validationParam: atLeast(parsed, [0, 14, 0]),
  };
}
