import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const replicaUrl = z
  .string()
  .transform((url) => url.trim().replace(/\/+$/, "").replace(/\/v1$/, ""))
  .refine((url) => /^https?:\/\/[^/]+/.test(url), { message: "must be an http(s) URL" });

const versionSchema = z.strictObject({
  /** The version's label: metrics, logs, `x-model-version`. */
  name: z.string().regex(/^[A-Za-z0-9][\w.-]{0,62}$/, "must be 1-63 letters, digits, '.', '_' or '-'"),
  /** The served model name (vLLM's `--served-model-name`): sent upstream, and a client may pin by it. */
  model: z.string().min(1),
  /** Prompts and sampling profile (default: MODEL_PROFILE). */
  profile: z.string().min(1).optional(),
  replicas: z.array(replicaUrl).min(1),
  /** Share of weighted traffic, relative to the other versions' weights. */
  weight: z.number().min(0).default(0),
  role: z.enum(["stable", "candidate"]).default("candidate"),
  /** Percent of the other versions' requests also sent to this candidate, to compare answers. */
  shadow_percent: z.number().min(0).max(100).default(0),
});

const releaseSchema = z
  .strictObject({
    versions: z.array(versionSchema).min(1),
    shadow: z
      .strictObject({
        /** Shadow calls in flight at once; a request beyond it is not mirrored. */
        max_concurrency: z.number().int().min(1).default(4),
      })
      .default({ max_concurrency: 4 }),
    rollback: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Outcomes per version the rates are computed over (the most recent ones). */
        window: z.number().int().min(10).default(200),
        /** Outcomes each side needs in its window before a rollback is decided. */
        min_samples: z.number().int().min(1).default(50),
        /** The candidate's error rate may exceed the stable's by this much (0.05 = 5 points). */
        error_rate_margin: z.number().min(0).max(1).default(0.05),
        /** Same for the repetition-loop rate. */
        loop_rate_margin: z.number().min(0).max(1).default(0.05),
      })
      .default({
        enabled: true,
        window: 200,
        min_samples: 50,
        error_rate_margin: 0.05,
        loop_rate_margin: 0.05,
      }),
  })
  .superRefine((file, ctx) => {
    const stable = file.versions.filter((version) => version.role === "stable");
    if (stable.length !== 1) {
      ctx.addIssue({
        code: "custom",
        path: ["versions"],
        message: `exactly one version must have role: stable (found ${stable.length})`,
      });
    }
    const seen = new Map<string, string>();
    file.versions.forEach((version, index) => {
      for (const id of new Set([version.name, version.model])) {
        const owner = seen.get(id);
        if (owner !== undefined && owner !== version.name) {
          ctx.addIssue({
            code: "custom",
            path: ["versions", index],
            message: `"${id}" names both version ${owner} and version ${version.name}; names and served model names must be unique`,
          });
        }
        seen.set(id, version.name);
      }
      if (version.role === "stable" && version.shadow_percent > 0) {
        ctx.addIssue({
          code: "custom",
          path: ["versions", index, "shadow_percent"],
          message: "only a candidate can be a shadow",
        });
      }
    });
    if (file.versions.every((version) => version.weight === 0)) {
      ctx.addIssue({
        code: "custom",
        path: ["versions"],
        message: "at least one version needs a weight above 0",
      });
    }
  });

export type ReleaseFile = z.output<typeof releaseSchema>;
export type VersionSpec = ReleaseFile["versions"][number];
export type ShadowPolicy = ReleaseFile["shadow"];
export type RollbackPolicy = ReleaseFile["rollback"];

export class UpstreamsFileError extends Error {
  override name = "UpstreamsFileError";
}

/** Parses the text of an upstreams file (YAML, of which JSON is a subset) and validates it. */
export function parseUpstreamsFile(text: string, source: string): ReleaseFile {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new UpstreamsFileError(`${source} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  const result = releaseSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(file)"}: ${issue.message}`,
    );
    throw new UpstreamsFileError(`${source} is invalid:\n    ${problems.join("\n    ")}`);
  }
  return result.data;
}

/** Reads and validates `UPSTREAMS_FILE`; throws an `UpstreamsFileError` saying what to fix. */
export function readUpstreamsFile(path: string): ReleaseFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new UpstreamsFileError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseUpstreamsFile(text, path);
}

/** The single `VLLM_URL` pool (or the embedded engine, without replicas) as a release of one stable version. */
export function singleVersionRelease(name: string, model: string, replicas: readonly string[]): ReleaseFile {
  const defaults = releaseSchema.parse({
    versions: [{ name, model, replicas: ["http://unused"], weight: 1, role: "stable" }],
  });
  return { ...defaults, versions: [{ ...(defaults.versions[0] as VersionSpec), replicas: [...replicas] }] };
}
